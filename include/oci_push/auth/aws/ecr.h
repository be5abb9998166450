// Amazon ECR: registries recognised by name, and the ECR / ECR Public APIs a push needs.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

struct EcrRegistry {
  std::string registry_id;  // 12-digit account; "" when unknown (the caller's default registry) or public
  std::string region;
  std::string dns_suffix = "amazonaws.com";  // of the API endpoint's partition
  bool fips = false;
  bool is_public = false;  // ECR Public (public.ecr.aws): ecr-public API in us-east-1, Bearer scope "aws"
};

// <account>.dkr.ecr[-fips].<region>.<partition suffix>, dual-stack <account>.dkr-ecr[-fips].<region>.on.aws,
// public.ecr.aws and ecr-public.aws.com. A port is ignored. Pure.
std::optional<EcrRegistry> parse_ecr_hostname(std::string_view host);

// The API endpoint: AWS_ENDPOINT_URL_ECR (ECR_PUBLIC) / AWS_ENDPOINT_URL, else the partition's.
std::string ecr_api_url(const EcrRegistry& registry, const Environment& env);

struct EcrAuthorization {
  std::string username;  // "AWS"
  std::string password;
  int64_t expires_at = 0;  // epoch seconds
  std::string proxy_endpoint;
};

// The body of a GetAuthorizationToken answer (a list for ECR, one object for ECR Public). Pure.
EcrAuthorization parse_authorization_data(std::string_view body, bool is_public);

class EcrApi {
 public:
  EcrApi(HttpClient& http, Environment& env, AwsCredentials credentials, EcrRegistry registry);

  EcrAuthorization get_authorization_token();
  // Nothing happens when it exists already. Returns true when it was created.
  bool create_repository(const std::string& name);
  void set_repository_policy(const std::string& name, const std::string& policy_json);
  // false only when ECR says it does not exist (not allowed to look: true, the push will tell).
  bool repository_exists(const std::string& name);

 private:
  HttpResponse call(const std::string& action, const std::string& body);
  [[noreturn]] void fail(const std::string& action, const HttpResponse& response) const;
  std::string where() const;

  HttpClient& http_;
  Environment& env_;
  AwsCredentials credentials_;
  EcrRegistry registry_;
};

}  // namespace ocipush
