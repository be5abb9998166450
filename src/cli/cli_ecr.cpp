#include <cxxopts.hpp>
#include <iostream>

#include "oci_push/auth/aws/aws_credentials.h"
#include "oci_push/cli/cli_auth.h"
#include "oci_push/auth/credential_resolver.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/cli/cli_common.h"
#include "oci_push/util/error.h"

namespace ocipush {

int run_ecr(int argc, const char* const* argv) {
  const std::string service = argv[0];  // "ecr" or "ecr-public"
  cxxopts::Options o("oci-push " + service, "Print an ECR registry password, as `aws " + service +
                                                " get-login-password` does (pipe it to `docker login --password-stdin`).");
  o.custom_help("get-login-password [--region REGION]");
  o.positional_help("");
  // clang-format off
  o.add_options()
    ("region", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)", cxxopts::value<std::string>(), "REGION")
    ("v,verbose", "Show HTTP requests on stderr (secrets redacted)")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  o.parse_positional({"positional"});
  auto r = parse_or_usage_error(o, argc, argv, "oci-push " + service);
  if (r.count("help")) {
    std::cout << o.help();
    return 0;
  }
  const auto positional = r.count("positional") ? r["positional"].as<std::vector<std::string>>()
                                                 : std::vector<std::string>{};
  if (positional != std::vector<std::string>{"get-login-password"})
    throw UsageError("oci-push " + service + ": the one command is get-login-password (see oci-push " + service +
                     " --help)");
  AuthOptions auth;
  EcrRegistry ecr;
  if (service == "ecr-public") {
    ecr.is_public = true;
    ecr.region = "us-east-1";  // the only region ECR Public's API is in
  } else {
    ecr.region = r.count("region") ? r["region"].as<std::string>() : aws_region(system_environment()).value_or("");
    if (ecr.region.empty()) throw UsageError("no AWS region: use --region, or set AWS_REGION");
  }
  HttpLogger logger;
  if (r.count("verbose")) logger = [](const std::string& line) { std::cerr << line << "\n"; };
  CurlHttpClient http(TlsOptions{}, logger);
  std::cout << ecr_login(ecr, auth, http).password << "\n" << std::flush;
  return 0;
}

}  // namespace ocipush
