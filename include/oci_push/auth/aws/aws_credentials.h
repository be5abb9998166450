// AWS credentials found where the AWS CLI looks, in its order, and signed requests to AWS APIs.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/auth/aws/aws_config_file.h"
#include "oci_push/util/environment.h"
#include "oci_push/http/http_client.h"
#include "oci_push/auth/aws/sigv4.h"

namespace ocipush {

// "2024-01-02T03:04:05Z", with optional fraction and "+00:00"; nullopt when it is not such a time.
std::optional<int64_t> parse_iso8601(std::string_view text);
// The text between <tag> and </tag>, first occurrence; nullopt when absent. Enough for STS answers.
std::optional<std::string> xml_element(std::string_view xml, std::string_view tag);
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

// AWS_REGION, AWS_DEFAULT_REGION, the region of the profile (AWS_PROFILE) in the config file.
std::optional<std::string> aws_region(const Environment& env);

class AwsCredentialChain {
 public:
  AwsCredentialChain(Environment& env, HttpClient& http);

  // Environment → AWS_PROFILE (credentials/config files: role_arn + source_profile or credential_source,
  // web_identity_token_file, static keys, credential_process) → web identity → container → IMDSv2.
  // Throws Error naming the source that failed, or every place looked at when none had credentials.
  AwsCredentials resolve();
  // AWS_REGION, AWS_DEFAULT_REGION, the profile's region; nullopt when none says.
  std::optional<std::string> region();
  std::string profile_name() const;

 private:
  std::optional<AwsCredentials> from_environment();
  std::optional<AwsCredentials> from_profile(const std::string& name, int depth);
  std::optional<AwsCredentials> from_web_identity(const std::string& token_file, const std::string& role_arn,
                                                  const std::string& session_name, const std::string& where);
  std::optional<AwsCredentials> from_container();
  std::optional<AwsCredentials> from_imds();
  AwsCredentials from_sso(const AwsIniSection& profile, const std::string& name);
  AwsCredentials from_process(const std::string& command, const std::string& profile);
  AwsCredentials assume_role(const AwsCredentials& source, const AwsIniSection& profile, const std::string& name);
  AwsCredentials parse_sts_credentials(const HttpResponse& response, const std::string& what);
  std::string sts_url();
  std::string sts_region();
  const AwsIniFile& config_file();
  const AwsIniFile& credentials_file();
  std::string config_path() const;
  std::string credentials_path() const;

  Environment& env_;
  HttpClient& http_;
  std::optional<AwsIniFile> config_;
  std::optional<AwsIniFile> credentials_;
};

}  // namespace ocipush
