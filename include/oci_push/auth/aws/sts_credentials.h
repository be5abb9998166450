// Temporary credentials from STS: AssumeRole signed with a profile's source keys, and web identity tokens.
#pragma once
#include <string>

#include "oci_push/auth/aws/aws_config_file.h"
#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// The region STS is called in: the configured one, else us-east-1 (the global endpoint's).
std::string sts_region(const Environment& env);
// https://sts.REGION.amazonaws.com (.com.cn in China), unless AWS_ENDPOINT_URL(_STS) says otherwise.
std::string sts_url(const Environment& env);

// AssumeRole of the profile's role_arn (role_session_name, external_id, duration_seconds), signed with
// `source`. Throws Error naming the role and the profile `name` when STS refuses.
AwsCredentials assume_role(HttpClient& http, const Environment& env, const AwsCredentials& source,
                           const AwsIniSection& profile, const std::string& name);

// AssumeRoleWithWebIdentity with the token in `token_file` (GitHub Actions, EKS IRSA); `where` says which
// setting named it ("environment", "profile ci"). An empty `session_name` gets one made up.
AwsCredentials assume_role_with_web_identity(HttpClient& http, const Environment& env, const std::string& token_file,
                                             const std::string& role_arn, const std::string& session_name,
                                             const std::string& where);

}  // namespace ocipush
