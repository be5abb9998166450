// Credentials the machine itself hands out: the ECS/EKS container endpoint and EC2 instance metadata.
#pragma once
#include <optional>

#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// From AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI (plain HTTP only to loopback or the ECS/EKS
// agent), with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE); nullopt when neither is set.
std::optional<AwsCredentials> container_credentials(HttpClient& http, const Environment& env);

// IMDSv2 (a session token, then the instance role's credentials) with the AWS CLI's timeout and attempts;
// nullopt when AWS_EC2_METADATA_DISABLED, off EC2, or on an instance without a role.
std::optional<AwsCredentials> instance_metadata_credentials(HttpClient& http, const Environment& env);

}  // namespace ocipush
