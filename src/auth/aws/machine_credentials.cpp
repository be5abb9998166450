#include "oci_push/auth/aws/machine_credentials.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/auth/aws/aws_api.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

using nlohmann::json;

// The AWS CLI's limits on EC2 instance metadata: each request may take AWS_METADATA_SERVICE_TIMEOUT
// seconds (default 1), the first one AWS_METADATA_SERVICE_NUM_ATTEMPTS tries (default 1). Off EC2 the
// address often swallows packets, and the chain must not sit out a 30 s connect timeout there before
// saying that there are no credentials.
struct MetadataLimits {
  std::chrono::milliseconds deadline{1000};
  int attempts = 1;
};

int positive_setting(const Environment& env, const char* name, int fallback) {
  auto value = env.get(name);
  if (!value) return fallback;
  const std::string text = trim_space(*value);
  const int n =
      !text.empty() && text.size() <= 4 && std::all_of(text.begin(), text.end(), ::isdigit) ? std::stoi(text) : 0;
  if (n == 0) throw Error(fmt::format("{}={} is not a whole number from 1 to 9999", name, in_quotes(*value)));
  return n;
}

MetadataLimits metadata_limits(const Environment& env) {
  return {std::chrono::seconds(positive_setting(env, "AWS_METADATA_SERVICE_TIMEOUT", 1)),
          positive_setting(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1)};
}

// The container endpoint's URL; nullopt when the environment names none.
std::optional<std::string> container_endpoint(const Environment& env) {
  if (auto rel = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) return "http://169.254.170.2" + *rel;
  auto full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!full) return std::nullopt;
  const AwsUrl parts = split_aws_url(*full);
  const std::string host = host_without_port(parts.host);
  const bool allowed = parts.scheme == "https" || is_loopback_registry(parts.host) || host == "169.254.170.2" ||
                       host == "169.254.170.23" || host == "fd00:ec2::23";
  if (!allowed)
    throw Error(fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI {} is plain HTTP to a host that is not loopback "
                            "or the ECS/EKS agent; refusing",
                            parts.host));
  return full;
}

// The Authorization header's value for the container endpoint; "" for none.
std::string container_authorization(const Environment& env) {
  std::string token;
  if (auto file = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    auto text = env.read_file(*file);
    if (!text) throw Error(fmt::format("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {} does not exist", *file));
    token = trim_space(*text);
  } else if (auto t = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    token = *t;
  }
  if (token.find_first_of("\r\n") != std::string::npos)
    throw Error("the container authorization token holds a line break");
  return token;
}

}  // namespace

std::optional<AwsCredentials> container_credentials(HttpClient& http, const Environment& env) {
  const auto url = container_endpoint(env);
  if (!url) return std::nullopt;
  std::vector<HttpHeader> headers{{"Accept", "application/json"}};
  const std::string token = container_authorization(env);
  if (!token.empty()) headers.push_back({"Authorization", token});
  const std::string what = "container credentials endpoint " + split_aws_url(*url).host;
  const auto response = http.send({"GET", *url, headers, {}, kMaxAwsAnswer});
  if (response.status != 200) throw Error(fmt::format("{} refused: HTTP {}", what, response.status));
  return credentials_from_json(parse_json_answer(response.body, what), what, "Token");
}

std::optional<AwsCredentials> instance_metadata_credentials(HttpClient& http, const Environment& env) {
  if (is_true_setting(env.get("AWS_EC2_METADATA_DISABLED"))) return std::nullopt;
  std::string base = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (!base.empty() && base.back() == '/') base.pop_back();
  const MetadataLimits limits = metadata_limits(env);
  HttpResponse token;
  for (int attempt = 1;; ++attempt) {
    try {
      token = http.send({"PUT",
                         base + "/latest/api/token",
                         {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                         {},
                         64 << 10,
                         limits.deadline});
      break;
    } catch (const NetworkError&) {
      if (attempt >= limits.attempts) return std::nullopt;  // not on EC2
    }
  }
  if (token.status != 200)
    throw Error(fmt::format("EC2 instance metadata refused a session token: HTTP {}", token.status));
  const std::vector<HttpHeader> auth{{"X-aws-ec2-metadata-token", trim_space(token.body)}};
  const std::string list_url = base + "/latest/meta-data/iam/security-credentials/";
  const auto roles = http.send({"GET", list_url, auth, {}, 64 << 10, limits.deadline});
  if (roles.status == 404) return std::nullopt;  // an instance without a role
  if (roles.status != 200) throw Error(fmt::format("EC2 instance metadata: listing roles: HTTP {}", roles.status));
  const std::string role = trim_space(roles.body.substr(0, roles.body.find('\n')));
  if (role.empty() || role.find('/') != std::string::npos) return std::nullopt;
  const auto creds = http.send({"GET", list_url + role, auth, {}, 64 << 10, limits.deadline});
  const std::string what = "EC2 instance metadata (role " + role + ")";
  if (creds.status != 200) throw Error(fmt::format("{}: HTTP {}", what, creds.status));
  const json j = parse_json_answer(creds.body, what);
  if (auto code = json_string_field(j, "Code"); !code.empty() && code != "Success")
    throw Error(fmt::format("{}: {}", what, code));
  return credentials_from_json(j, what, "Token");
}

}  // namespace ocipush
