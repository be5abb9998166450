#include "oci_push/auth/aws/aws_api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/percent_encode.h"

namespace ocipush {

AwsUrl split_aws_url(const std::string& url) {
  AwsUrl p;
  const size_t sep = url.find("://");
  if (sep == std::string::npos) throw Error(fmt::format("{} is not an http(s) URL", url));
  p.scheme = url.substr(0, sep);
  if (p.scheme != "http" && p.scheme != "https") throw Error(fmt::format("{} is not an http(s) URL", url));
  const size_t host_end = url.find_first_of("/?#", sep + 3);
  p.host = url.substr(sep + 3, host_end == std::string::npos ? std::string::npos : host_end - sep - 3);
  std::string rest = host_end == std::string::npos ? "/" : url.substr(host_end);
  if (auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  if (auto q = rest.find('?'); q != std::string::npos) {
    p.query = rest.substr(q + 1);
    rest.resize(q);
  }
  p.path = rest.empty() ? "/" : rest;
  if (p.host.empty()) throw Error(fmt::format("{} names no host", url));
  return p;
}

AwsUrl split_secret_url(const std::string& url, const char* what) {
  AwsUrl parts = split_aws_url(url);
  if (parts.scheme == "http" && !is_loopback_registry(parts.host))
    throw Error(fmt::format("refusing to send {} over plain HTTP to {} (use https)", what, parts.host));
  return parts;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields)
    out += (out.empty() ? "" : "&") + percent_encode(k, false) + "=" + percent_encode(v, false);
  return out;
}

std::string aws_error_code(const HttpResponse& response) {
  auto j = parse_json_bounded(response.body);
  std::string code;
  if (j.is_object()) code = json_string_field(j, "__type");
  if (code.empty()) code = xml_element(response.body, "Code").value_or("");
  if (code.empty()) code = response.header("x-amzn-errortype").value_or("");
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  return code;
}

std::string describe_aws_error(const HttpResponse& response) {
  std::string message;
  auto j = parse_json_bounded(response.body);
  if (j.is_object()) {
    message = json_string_field(j, "message");
    if (message.empty()) message = json_string_field(j, "Message");
  }
  if (message.empty()) message = xml_element(response.body, "Message").value_or("");
  std::string out = "HTTP " + std::to_string(response.status);
  if (auto code = aws_error_code(response); !code.empty()) out += ": " + code;
  if (!message.empty()) {
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';
    out += ": " + message.substr(0, 400);
  }
  return out;
}

std::string aws_endpoint_url(const Environment& env, const std::string& service_id, const std::string& fallback) {
  std::string url = fallback;
  if (!is_true_setting(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
    if (auto v = env.get("AWS_ENDPOINT_URL_" + service_id)) url = *v;
    else if (auto g = env.get("AWS_ENDPOINT_URL")) url = *g;
  }
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

HttpResponse send_signed(HttpClient& http, const Environment& env, const AwsCredentials& credentials,
                         const std::string& region, const std::string& service, const std::string& url,
                         std::vector<HttpHeader> headers, std::string_view body) {
  const AwsUrl parts = split_secret_url(url, "AWS credentials");
  SigV4Request to_sign{"POST", parts.path, parts.query, headers, body};
  to_sign.headers.push_back({"Host", parts.host});
  SigV4Context context{region, service, amz_date(env.now())};
  for (auto& h : sigv4_sign(to_sign, context, credentials)) headers.push_back(std::move(h));
  return http.send({"POST", url, headers, body, kMaxAwsAnswer});
}

}  // namespace ocipush
