// Requests to AWS APIs: endpoint overrides, form bodies, SigV4-signed POSTs, and their error answers.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// "a=b&c=d" with each value AWS-URI-encoded, in the order given.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// One line from an AWS API's error answer (JSON "__type"/"message" or XML Code/Message).
std::string describe_aws_error(const HttpResponse& response);
// The AWS error code ("RepositoryNotFoundException", "ExpiredToken"); "" when none.
std::string aws_error_code(const HttpResponse& response);

// AWS_ENDPOINT_URL_<SERVICE_ID>, else AWS_ENDPOINT_URL, else `fallback`; trailing '/' removed.
// Unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
std::string aws_endpoint_url(const Environment& env, const std::string& service_id, const std::string& fallback);

// POSTs `body` to `url`, signed with SigV4 for (region, service). Plain HTTP only to loopback hosts.
HttpResponse send_signed(HttpClient& http, const Environment& env, const AwsCredentials& credentials,
                         const std::string& region, const std::string& service, const std::string& url,
                         std::vector<HttpHeader> headers, std::string_view body);

// The rest is for the credential sources of this room.

// The largest answer read from an AWS endpoint.
constexpr size_t kMaxAwsAnswer = 1 << 20;

struct AwsUrl {
  std::string scheme;  // "http" / "https"
  std::string host;    // with port when given
  std::string path;    // "/..." (at least "/")
  std::string query;
};

// Throws Error for a URL that is not http(s) or names no host.
AwsUrl split_aws_url(const std::string& url);
// A URL that `what` (a secret) may be sent to: https, or plain HTTP to loopback (the tests' stand-ins).
AwsUrl split_secret_url(const std::string& url, const char* what);

}  // namespace ocipush
