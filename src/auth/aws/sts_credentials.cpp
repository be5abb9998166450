#include "oci_push/auth/aws/sts_credentials.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/auth/aws/aws_api.h"
#include "oci_push/auth/aws/aws_credentials.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

AwsCredentials parse_sts_credentials(const HttpResponse& response, const std::string& what) {
  if (response.status != 200) throw Error(fmt::format("{} failed: {}", what, describe_aws_error(response)));
  const auto block = xml_element(response.body, "Credentials");
  if (!block) throw Error(what + ": STS answered without Credentials");
  AwsCredentials c;
  c.access_key_id = xml_element(*block, "AccessKeyId").value_or("");
  c.secret_access_key = xml_element(*block, "SecretAccessKey").value_or("");
  c.session_token = xml_element(*block, "SessionToken").value_or("");
  c.expires_at = parse_iso8601(xml_element(*block, "Expiration").value_or(""));
  c.source = what;
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty())
    throw Error(what + ": STS answered with incomplete Credentials");
  return c;
}

}  // namespace

std::string sts_region(const Environment& env) { return aws_region(env).value_or("us-east-1"); }

std::string sts_url(const Environment& env) {
  const std::string r = sts_region(env);
  const std::string suffix = r.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return aws_endpoint_url(env, "STS", "https://sts." + r + "." + suffix);
}

AwsCredentials assume_role(HttpClient& http, const Environment& env, const AwsCredentials& source,
                           const AwsIniSection& profile, const std::string& name) {
  const std::string role = profile.at("role_arn");
  std::vector<std::pair<std::string, std::string>> fields{
      {"Action", "AssumeRole"},
      {"Version", "2011-06-15"},
      {"RoleArn", role},
      {"RoleSessionName",
       profile.count("role_session_name") ? profile.at("role_session_name") : "oci-push-" + std::to_string(env.now())}};
  if (profile.count("external_id")) fields.emplace_back("ExternalId", profile.at("external_id"));
  if (profile.count("duration_seconds")) fields.emplace_back("DurationSeconds", profile.at("duration_seconds"));
  const std::string body = form_encode(fields);
  const auto response = send_signed(http, env, source, sts_region(env), "sts", sts_url(env),
                                    {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body);
  return parse_sts_credentials(response, fmt::format("STS AssumeRole of {} (AWS profile {})", role, in_quotes(name)));
}

AwsCredentials assume_role_with_web_identity(HttpClient& http, const Environment& env, const std::string& token_file,
                                             const std::string& role_arn, const std::string& session_name,
                                             const std::string& where) {
  const auto token = env.read_file(token_file);
  if (!token) throw Error(fmt::format("web identity token file {} ({}) does not exist", token_file, where));
  const std::string body =
      form_encode({{"Action", "AssumeRoleWithWebIdentity"},
                   {"Version", "2011-06-15"},
                   {"RoleArn", role_arn},
                   {"RoleSessionName", session_name.empty() ? "oci-push-" + std::to_string(env.now()) : session_name},
                   {"WebIdentityToken", trim_space(*token)}});
  const std::string url = sts_url(env);
  split_secret_url(url, "a web identity token");
  // AssumeRoleWithWebIdentity is not signed: the token is the proof.
  const auto response = http.send(
      {"POST", url, {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body, kMaxAwsAnswer});
  return parse_sts_credentials(response, fmt::format("STS AssumeRoleWithWebIdentity of {} ({})", role_arn, where));
}

}  // namespace ocipush
