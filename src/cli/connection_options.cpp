#include "oci_push/cli/connection_options.h"

#include "oci_push/cli/option_parsing.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

constexpr int kMaxRetries = 100;
constexpr size_t kAwsAccountDigits = 12;

void add_ecr_options(cxxopts::Options& o) {
  // clang-format off
  o.add_options(kConnectionGroup)
    ("ecr-region", "The registry is Amazon ECR in REGION, whatever its name", cxxopts::value<std::string>(), "REGION")
    ("ecr-registry-id", "The ECR registry's 12-digit account (with --ecr-region)", cxxopts::value<std::string>(), "ACCOUNT")
    ("ecr-public", "The registry is ECR Public, whatever its name")
    ("create-repository", "Create a missing ECR repository (CreateRepository) before pushing")
    ("repository-policy", "Apply the ECR repository policy in FILE (SetRepositoryPolicy)", cxxopts::value<std::string>(), "FILE");
  // clang-format on
}

void parse_credentials(const cxxopts::ParseResult& r, AuthOptions& auth) {
  const auto username = get_or<std::string>(r, "username", "");
  const bool password_stdin = r.count("password-stdin") > 0;
  if (password_stdin && username.empty()) throw UsageError("--password-stdin needs --username");
  if (!username.empty() && !password_stdin) throw UsageError("--username needs --password-stdin");
  if (password_stdin) auth.credentials = Credentials{username, "", "", "", nullptr};
}

void parse_ecr(const cxxopts::ParseResult& r, AuthOptions& auth) {
  auth.ecr_region = get_or<std::string>(r, "ecr-region", "");
  auth.ecr_registry_id = get_or<std::string>(r, "ecr-registry-id", "");
  if (!auth.ecr_registry_id.empty() && (auth.ecr_registry_id.size() != kAwsAccountDigits ||
                                        auth.ecr_registry_id.find_first_not_of("0123456789") != std::string::npos))
    throw UsageError("--ecr-registry-id must be a 12-digit AWS account id");
  auth.ecr_public = r.count("ecr-public") > 0;
  if (auth.ecr_public && (!auth.ecr_region.empty() || !auth.ecr_registry_id.empty()))
    throw UsageError("--ecr-public does not go with --ecr-region or --ecr-registry-id");
  auth.create_repository = r.count("create-repository") > 0;
  auth.repository_policy_file = get_or<std::string>(r, "repository-policy", "");
}

void parse_tls(const cxxopts::ParseResult& r, ConnectionOptions& c) {
  c.plain_http = r.count("plain-http") > 0;
  c.tls.insecure = r.count("insecure") > 0;
  c.tls.ca_file = get_or<std::string>(r, "ca-file", "");
  if (c.plain_http && (c.tls.insecure || !c.tls.ca_file.empty()))
    throw UsageError("--plain-http does not go with --insecure or --ca-file");
}

void parse_retries_and_timeouts(const cxxopts::ParseResult& r, ConnectionOptions& c) {
  c.retry.max_retries = get_or<int>(r, "retries", c.retry.max_retries);
  if (c.retry.max_retries < 0 || c.retry.max_retries > kMaxRetries)
    throw UsageError("--retries must be between 0 and " + std::to_string(kMaxRetries));
  if (r.count("retry-budget")) c.retry.budget = parse_duration(r["retry-budget"].as<std::string>(), "--retry-budget");
  if (r.count("connect-timeout"))
    c.timeouts.connect = parse_duration(r["connect-timeout"].as<std::string>(), "--connect-timeout");
  if (r.count("stall-timeout"))
    c.timeouts.stall = parse_duration(r["stall-timeout"].as<std::string>(), "--stall-timeout");
  if (c.timeouts.connect.count() <= 0 || c.timeouts.stall.count() < 1000)
    throw UsageError("--connect-timeout must be positive and --stall-timeout at least 1s");
}

}  // namespace

void add_connection_options(cxxopts::Options& o, ConnectionOptionSet set) {
  // clang-format off
  o.add_options(kConnectionGroup)
    ("u,username", "Registry user name (with --password-stdin)", cxxopts::value<std::string>(), "USER")
    ("password-stdin", "Read the registry password from standard input");
  if (set == ConnectionOptionSet::All) add_ecr_options(o);
  o.add_options(kConnectionGroup)
    ("ca-file", "Trust the CA certificates in PATH", cxxopts::value<std::string>(), "PATH")
    ("plain-http", "Talk plain HTTP to the registry")
    ("insecure", "Skip TLS certificate verification")
    ("retries", "Retries per request and per blob upload (default 5)", cxxopts::value<int>(), "N")
    ("retry-budget", "Time one request or blob may keep retrying, from its first failure (default 5m)", cxxopts::value<std::string>(), "DURATION")
    ("connect-timeout", "Give up a connection attempt after DURATION (default 30s)", cxxopts::value<std::string>(), "DURATION")
    ("stall-timeout", "Give up a transfer with no byte moving for DURATION (default 2m)", cxxopts::value<std::string>(), "DURATION");
  // clang-format on
}

ConnectionOptions parse_connection_options(const cxxopts::ParseResult& r) {
  ConnectionOptions c;
  parse_tls(r, c);
  parse_retries_and_timeouts(r, c);
  parse_credentials(r, c.auth);
  parse_ecr(r, c.auth);
  return c;
}

void read_stdin_password(ConnectionOptions& options, std::istream& in) {
  if (!options.auth.credentials) return;
  std::string secret;
  std::getline(in, secret);
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) throw UsageError("--password-stdin: standard input holds no password");
  options.auth.credentials->password = std::move(secret);
}

}  // namespace ocipush
