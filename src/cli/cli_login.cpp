#include <cxxopts.hpp>
#include <iostream>

#include "oci_push/cli/cli_auth.h"
#include "oci_push/auth/credential_store.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/cli/cli_common.h"
#include "oci_push/util/error.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

namespace {

cxxopts::Options login_options() {
  cxxopts::Options o("oci-push login", "Log in to a registry: check the credentials, then store them as docker does.");
  o.custom_help("REGISTRY --username USER --password-stdin");
  o.positional_help("");
  // clang-format off
  o.add_options()
    ("u,username", "User name", cxxopts::value<std::string>(), "USER")
    ("password-stdin", "Read the password (or token) from standard input")
    ("ca-file", "Trust the CA certificates in PATH", cxxopts::value<std::string>(), "PATH")
    ("plain-http", "Talk plain HTTP to the registry")
    ("insecure", "Skip TLS certificate verification")
    ("v,verbose", "Show HTTP requests on stderr (secrets redacted)")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  o.parse_positional({"positional"});
  return o;
}


}  // namespace

int run_login(int argc, const char* const* argv) {
  auto options = login_options();
  auto r = parse_or_usage_error(options, argc, argv, "oci-push login");
  if (r.count("help")) {
    std::cout << options.help();
    return 0;
  }
  const auto positional = r.count("positional") ? r["positional"].as<std::vector<std::string>>()
                                                 : std::vector<std::string>{};
  if (positional.size() != 1) throw UsageError("oci-push login takes one REGISTRY (see oci-push login --help)");
  if (!r.count("username") || !r.count("password-stdin"))
    throw UsageError("oci-push login needs --username and --password-stdin (passwords are never arguments)");
  std::string registry = positional[0];
  for (std::string_view scheme : {"https://", "http://"})
    if (registry.starts_with(scheme)) registry.erase(0, scheme.size());
  if (auto slash = registry.find('/'); slash != std::string::npos) registry.resize(slash);
  if (registry.empty()) throw UsageError("oci-push login: empty REGISTRY");

  Credentials creds{r["username"].as<std::string>(), read_secret_line(std::cin), "", "", nullptr};
  TlsOptions tls;
  tls.insecure = r.count("insecure") > 0;
  if (r.count("ca-file")) tls.ca_file = r["ca-file"].as<std::string>();
  HttpLogger logger;
  if (r.count("verbose")) logger = [](const std::string& line) { std::cerr << line << "\n"; };
  CurlHttpClient http(tls, logger);
  RegistryOptions registry_options;
  registry_options.plain_http = r.count("plain-http") > 0;
  registry_options.credentials = creds;
  const std::string api_host = registry == "docker.io" ? "registry-1.docker.io" : registry;
  RegistryClient client(http, api_host, registry_options);
  client.ping();
  client.check_login();
  const std::string where = store_login(registry, creds.username, creds.password, system_environment());
  std::cerr << "credentials for " << registry << " stored in " << where << "\n";
  std::cout << "Login Succeeded\n";
  return 0;
}

}  // namespace ocipush
