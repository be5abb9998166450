// A profile's credential_process: the command the AWS CLI runs for credentials, and its JSON answer.
#pragma once
#include <string>

#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// Runs `command` (split as a POSIX shell would, but run without one) for AWS profile `profile` and reads
// its {"Version": 1, "AccessKeyId", ...} answer. Throws Error naming the profile and the program when it
// fails or answers anything else.
AwsCredentials process_credentials(Environment& env, const std::string& command, const std::string& profile);

}  // namespace ocipush
