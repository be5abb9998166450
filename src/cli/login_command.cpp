#include "oci_push/cli/login_command.h"

#include <cxxopts.hpp>
#include <iostream>

#include "oci_push/auth/credential_store.h"
#include "oci_push/cli/connection_options.h"
#include "oci_push/cli/option_parsing.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/util/error.h"
#include "oci_push/util/stop.h"

namespace ocipush {

namespace {

cxxopts::Options login_options() {
  cxxopts::Options o("oci-push login", "Log in to a registry: check the credentials, then store them as docker does.");
  o.custom_help("REGISTRY --username USER --password-stdin");
  o.positional_help("");
  // clang-format off
  o.add_options()
    ("v,verbose", "Show HTTP requests on stderr (secrets redacted)")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  add_connection_options(o, ConnectionOptionSet::WithoutEcr);
  o.parse_positional({"positional"});
  return o;
}

// The registry as docker stores it: no scheme, no path.
std::string registry_name(std::string registry) {
  for (std::string_view scheme : {"https://", "http://"})
    if (registry.starts_with(scheme)) registry.erase(0, scheme.size());
  if (auto slash = registry.find('/'); slash != std::string::npos) registry.resize(slash);
  if (registry.empty()) throw UsageError("oci-push login: empty REGISTRY");
  return registry;
}

}  // namespace

std::string login_help_text() { return login_options().help({"", kConnectionGroup}); }

LoginCommand parse_login_command(int argc, const char* const* argv) {
  auto options = login_options();
  auto r = parse_or_usage_error(options, argc, argv, "oci-push login");
  LoginCommand c;
  if (r.count("help")) {
    c.action = LoginCommand::Action::Help;
    return c;
  }
  const auto positional = positional_words(r);
  if (positional.size() != 1) throw UsageError("oci-push login takes one REGISTRY (see oci-push login --help)");
  if (!r.count("username") || !r.count("password-stdin"))
    throw UsageError("oci-push login needs --username and --password-stdin (passwords are never arguments)");
  c.registry = registry_name(positional[0]);
  c.connection = parse_connection_options(r);
  c.verbose = r.count("verbose") > 0;
  return c;
}

int run_login_command(int argc, const char* const* argv, std::ostream& out) {
  auto command = parse_login_command(argc, argv);
  if (command.action == LoginCommand::Action::Help) {
    out << login_help_text();
    return 0;
  }
  read_stdin_password(command.connection, std::cin);
  const Credentials& creds = *command.connection.auth.credentials;
  HttpLogger logger;
  if (command.verbose) logger = [](const std::string& line) { std::cerr << line << "\n"; };
  CurlHttpClient http(command.connection.tls, logger, command.connection.timeouts, &stop_flag());
  const std::string api_host = command.registry == "docker.io" ? "registry-1.docker.io" : command.registry;
  auto client = connect_registry(command.connection, http, command.registry, api_host, "", Access::Pull, {});
  client->check_login();
  const std::string where = store_login(command.registry, creds.username, creds.password, system_environment());
  std::cerr << "credentials for " << command.registry << " stored in " << where << "\n";
  out << "Login Succeeded\n";
  return 0;
}

}  // namespace ocipush
