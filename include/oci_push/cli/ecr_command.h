// `oci-push ecr[-public] get-login-password`: an Amazon ECR password on stdout, as the AWS CLI prints it.
#pragma once
#include <ostream>
#include <string>
#include <string_view>

namespace ocipush {

// `oci-push ecr --help` (service "ecr") or `oci-push ecr-public --help` (service "ecr-public").
std::string ecr_help_text(std::string_view service);

// The subcommand: argv[0] is "ecr" or "ecr-public", then get-login-password [--region R]. Returns the
// exit status; throws UsageError / Error.
int run_ecr_command(int argc, const char* const* argv, std::ostream& out);

}  // namespace ocipush
