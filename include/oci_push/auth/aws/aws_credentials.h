// The entry to AWS: credentials found where the AWS CLI looks, in its order, and (aws_api.h) calls to its APIs.
#pragma once
#include <optional>
#include <string>

#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/auth/aws/aws_api.h"
#include "oci_push/auth/aws/aws_config_file.h"
#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// AWS_REGION, AWS_DEFAULT_REGION, the region of the profile (AWS_PROFILE) in the config file.
std::optional<std::string> aws_region(const Environment& env);

class AwsCredentialChain {
 public:
  AwsCredentialChain(Environment& env, HttpClient& http);

  // Environment → AWS_PROFILE (credentials/config files: role_arn + source_profile or credential_source,
  // web_identity_token_file, SSO, static keys, credential_process) → web identity → container → IMDSv2.
  // Throws Error naming the source that failed, or every place looked at when none had credentials.
  AwsCredentials resolve();
  // AWS_REGION, AWS_DEFAULT_REGION, the profile's region; nullopt when none says.
  std::optional<std::string> region();
  std::string profile_name() const;

 private:
  std::optional<AwsCredentials> from_environment();
  std::optional<AwsCredentials> from_profile(const std::string& name, int depth);
  AwsCredentials from_role(const AwsIniSection& profile, const std::string& name, int depth);
  AwsCredentials role_source(const AwsIniSection& profile, const std::string& name, int depth);
  AwsCredentials from_credential_source(const std::string& source, const std::string& name);
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
