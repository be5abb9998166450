#include "oci_push/auth/aws/ecr.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "oci_push/auth/aws/aws_credentials.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/ascii.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"

namespace ocipush {
namespace {

using nlohmann::json;

constexpr int kThrottleRetries = 4;
constexpr int64_t kFirstBackoffMs = 500;

// The partition's DNS suffix for a region of a dual-stack (on.aws) name.
std::string suffix_for_region(const std::string& region) {
  if (region.starts_with("cn-")) return "amazonaws.com.cn";
  if (region.starts_with("us-isob-")) return "sc2s.sgov.gov";
  if (region.starts_with("us-isof-")) return "csp.hci.ic.gov";
  if (region.starts_with("us-iso-")) return "c2s.ic.gov";
  if (region.starts_with("eu-isoe-")) return "cloud.adc-e.uk";
  if (region.starts_with("eusc-")) return "amazonaws.eu";
  return "amazonaws.com";
}

// The partitions' DNS suffixes a private registry's host ends in.
constexpr std::array<std::string_view, 8> kRegistrySuffixes{
    "amazonaws.com", "amazonaws.com.cn", "on.aws",         "sc2s.sgov.gov",
    "c2s.ic.gov",    "cloud.adc-e.uk",   "csp.hci.ic.gov", "amazonaws.eu"};

// The DNS label before the next '.', taken off `rest` with its dot.
std::string_view take_label(std::string_view& rest) {
  const size_t dot = std::min(rest.find('.'), rest.size());
  const std::string_view label = rest.substr(0, dot);
  rest.remove_prefix(std::min(dot + 1, rest.size()));
  return label;
}

bool is_account_id(std::string_view s) { return s.size() == 12 && std::all_of(s.begin(), s.end(), ascii_is_digit); }

// [a-z0-9][a-z0-9-]*, of a lower-cased host.
bool is_region_label(std::string_view s) {
  return !s.empty() && ascii_is_lower_alnum(s[0]) &&
         std::all_of(s.begin(), s.end(), [](char c) { return ascii_is_lower_alnum(c) || c == '-'; });
}

bool is_throttling(const HttpResponse& r) {
  if (r.status == 429) return true;
  const std::string code = aws_error_code(r);
  return code == "ThrottlingException" || code == "TooManyRequestsException" || code == "Throttling";
}

}  // namespace

std::optional<EcrRegistry> parse_ecr_hostname(std::string_view host_text) {
  const std::string host = ascii_lower(host_without_port(host_text));
  if (host == "public.ecr.aws" || host == "ecr-public.aws.com") {
    EcrRegistry r;
    r.region = "us-east-1";
    r.is_public = true;
    return r;
  }
  // ACCOUNT.dkr.ecr[-fips].REGION.SUFFIX, or ACCOUNT.dkr-ecr[-fips].REGION.on.aws (dual-stack).
  std::string_view rest = host;
  const std::string_view account = take_label(rest);
  if (!is_account_id(account) || !rest.starts_with("dkr") || rest.size() < 4 || (rest[3] != '.' && rest[3] != '-'))
    return std::nullopt;
  const bool dual_stack = rest[3] == '-';
  rest.remove_prefix(4);
  const std::string_view service = take_label(rest);
  const std::string_view region = take_label(rest);
  if ((service != "ecr" && service != "ecr-fips") || !is_region_label(region) ||
      std::find(kRegistrySuffixes.begin(), kRegistrySuffixes.end(), rest) == kRegistrySuffixes.end())
    return std::nullopt;
  if (dual_stack != (rest == "on.aws")) return std::nullopt;  // dkr-ecr only under on.aws, dkr.ecr never
  EcrRegistry r;
  r.registry_id = account;
  r.fips = service == "ecr-fips";
  r.region = region;
  r.dns_suffix = dual_stack ? suffix_for_region(r.region) : std::string(rest);
  return r;
}

std::string ecr_api_url(const EcrRegistry& registry, const Environment& env) {
  if (registry.is_public) return aws_endpoint_url(env, "ECR_PUBLIC", "https://api.ecr-public.us-east-1.amazonaws.com");
  const std::string host = registry.fips ? fmt::format("ecr-fips.{}.{}", registry.region, registry.dns_suffix)
                                         : fmt::format("api.ecr.{}.{}", registry.region, registry.dns_suffix);
  return aws_endpoint_url(env, "ECR", "https://" + host);
}

EcrAuthorization parse_authorization_data(std::string_view body, bool is_public) {
  const auto j = parse_json_bounded(body);
  if (!j.is_object() || !j.contains("authorizationData"))
    throw Error("GetAuthorizationToken answered without authorizationData");
  json data = j["authorizationData"];
  if (!is_public) {
    if (!data.is_array() || data.empty()) throw Error("GetAuthorizationToken answered with no authorizationData");
    data = data[0];
  }
  if (!data.is_object() || !data.contains("authorizationToken") || !data["authorizationToken"].is_string())
    throw Error("GetAuthorizationToken answered without an authorizationToken");
  const auto decoded = base64_decode(data["authorizationToken"].get<std::string>());
  const size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos)
    throw Error("GetAuthorizationToken answered with a token that is not base64 of user:password");
  EcrAuthorization a;
  a.username = decoded->substr(0, colon);
  a.password = decoded->substr(colon + 1);
  if (!data.contains("expiresAt") || !data["expiresAt"].is_number())
    throw Error("GetAuthorizationToken answered without expiresAt");
  const double expires_at = data["expiresAt"].get<double>();
  if (!(expires_at >= 0 && expires_at < 1e12))  // also NaN; a cast of anything larger is undefined
    throw Error("GetAuthorizationToken answered with an expiresAt that is not a time");
  a.expires_at = static_cast<int64_t>(expires_at);
  if (data.contains("proxyEndpoint") && data["proxyEndpoint"].is_string())
    a.proxy_endpoint = data["proxyEndpoint"].get<std::string>();
  return a;
}

EcrApi::EcrApi(HttpClient& http, Environment& env, AwsCredentials credentials, EcrRegistry registry)
    : http_(http), env_(env), credentials_(std::move(credentials)), registry_(std::move(registry)) {}

std::string EcrApi::where() const {
  if (registry_.is_public) return "ECR Public";
  return registry_.registry_id.empty() ? fmt::format("ECR in {}", registry_.region)
                                       : fmt::format("ECR registry {} in {}", registry_.registry_id, registry_.region);
}

HttpResponse EcrApi::call(const std::string& action, const std::string& body) {
  const std::string target =
      (registry_.is_public ? "SpencerFrontendService." : "AmazonEC2ContainerRegistry_V20150921.") + action;
  const std::string service = registry_.is_public ? "ecr-public" : "ecr";
  int64_t backoff = kFirstBackoffMs;
  for (int attempt = 0;; ++attempt) {
    auto response = send_signed(http_, env_, credentials_, registry_.region, service, ecr_api_url(registry_, env_),
                                {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}}, body);
    if (!is_throttling(response) || attempt == kThrottleRetries) return response;
    env_.sleep_ms(backoff);
    backoff *= 2;
  }
}

void EcrApi::fail(const std::string& action, const HttpResponse& response) const {
  std::string hint;
  const std::string code = aws_error_code(response);
  if (code == "ExpiredTokenException" || code == "ExpiredToken")
    hint = fmt::format(" (the AWS credentials from {} have expired: renew them)", credentials_.source);
  else if (code == "UnrecognizedClientException" || code == "InvalidSignatureException" ||
           code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch")
    hint = fmt::format(" (the AWS credentials from {} were not accepted)", credentials_.source);
  else if (code == "AccessDeniedException")
    hint = fmt::format(" (the IAM policy must allow {}:{})", registry_.is_public ? "ecr-public" : "ecr", action);
  else if (is_throttling(response)) hint = " (throttled after several retries: try again later)";
  throw Error(fmt::format("{} {} refused: {}{}", where(), action, describe_aws_error(response), hint));
}

EcrAuthorization EcrApi::get_authorization_token() {
  json body = json::object();
  if (!registry_.is_public && !registry_.registry_id.empty()) body["registryIds"] = {registry_.registry_id};
  const auto response = call("GetAuthorizationToken", body.dump());
  if (response.status != 200) fail("GetAuthorizationToken", response);
  return parse_authorization_data(response.body, registry_.is_public);
}

bool EcrApi::create_repository(const std::string& name) {
  json body = {{"repositoryName", name}};
  if (!registry_.registry_id.empty()) body["registryId"] = registry_.registry_id;
  const auto response = call("CreateRepository", body.dump());
  if (response.status == 200) return true;
  if (aws_error_code(response) == "RepositoryAlreadyExistsException") return false;
  fail("CreateRepository", response);
}

void EcrApi::set_repository_policy(const std::string& name, const std::string& policy_json) {
  json body = {{"repositoryName", name}, {"policyText", policy_json}};
  if (!registry_.registry_id.empty()) body["registryId"] = registry_.registry_id;
  const auto response = call("SetRepositoryPolicy", body.dump());
  if (response.status != 200) fail("SetRepositoryPolicy", response);
}

bool EcrApi::repository_exists(const std::string& name) {
  json body = {{"repositoryNames", {name}}};
  if (!registry_.registry_id.empty()) body["registryId"] = registry_.registry_id;
  const auto response = call("DescribeRepositories", body.dump());
  if (response.status == 200) return true;
  const std::string code = aws_error_code(response);
  if (code == "RepositoryNotFoundException") return false;
  if (code == "AccessDeniedException") return true;  // cannot tell; the registry will
  fail("DescribeRepositories", response);
}

}  // namespace ocipush
