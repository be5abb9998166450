#include "oci_push/cli/ecr_command.h"

#include <cxxopts.hpp>
#include <iostream>

#include "oci_push/auth/aws/aws_credentials.h"
#include "oci_push/auth/credential_resolver.h"
#include "oci_push/cli/option_parsing.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

cxxopts::Options ecr_options(const std::string& service) {
  cxxopts::Options o("oci-push " + service,
                     "Print an ECR registry password, as `aws " + service +
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
  return o;
}

}  // namespace

std::string ecr_help_text(std::string_view service) { return ecr_options(std::string(service)).help(); }

int run_ecr_command(int argc, const char* const* argv, std::ostream& out) {
  const std::string service = argv[0];  // "ecr" or "ecr-public"
  auto options = ecr_options(service);
  auto parsed = parse_or_help(options, argc, argv, "oci-push " + service, options.help(), out);
  if (!parsed) return 0;
  const auto& r = *parsed;
  if (positional_words(r) != std::vector<std::string>{"get-login-password"})
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
  out << ecr_login(ecr, auth, http).password << "\n" << std::flush;
  return 0;
}

}  // namespace ocipush
