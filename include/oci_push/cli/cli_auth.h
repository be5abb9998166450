// Subcommands about credentials: `oci-push login` (docker login) and `oci-push ecr get-login-password`.
#pragma once

namespace ocipush {

// argv[0] is "login": oci-push login REGISTRY --username USER --password-stdin. Checks the credentials
// against the registry, then stores them as docker does (credential helper, else config.json, 0600).
int run_login(int argc, const char* const* argv);

// argv[0] is "ecr" or "ecr-public": ... get-login-password [--region R], the AWS CLI's drop-in.
int run_ecr(int argc, const char* const* argv);

}  // namespace ocipush
