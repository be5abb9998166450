// Credentials of IAM Identity Center (SSO) profiles, from the login that the AWS CLI caches.
#pragma once
#include <string>

#include "oci_push/auth/aws/aws_config_file.h"
#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// The role credentials of SSO profile `name` (`profile`: its merged settings; sso_session or the legacy
// sso_start_url) from GetRoleCredentials, with the access token `aws sso login` cached. `config` is the
// config file read from `config_path`, which holds the sso-session sections. Throws Error saying how to
// log in when there is no usable login.
AwsCredentials sso_credentials(HttpClient& http, const Environment& env, const AwsIniSection& profile,
                               const std::string& name, const AwsIniFile& config, const std::string& config_path);

}  // namespace ocipush
