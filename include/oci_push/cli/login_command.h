// `oci-push login REGISTRY --username USER --password-stdin`: checks the credentials, stores them.
//
// Checked against the registry, then stored as docker login does (credential helper, else config.json, 0600).
#pragma once
#include <ostream>
#include <string>

#include "oci_push/transfer/connection.h"

namespace ocipush {

struct LoginCommand {
  enum class Action { Login, Help };
  Action action = Action::Login;
  std::string registry;          // host[:port], as the credentials are stored (no scheme, no path)
  ConnectionOptions connection;  // the shared connection options, all but the ECR ones
  bool verbose = false;
};

// argv[0] is "login". Throws UsageError naming what is wrong. Reads nothing (not the password).
LoginCommand parse_login_command(int argc, const char* const* argv);
// `oci-push login --help`.
std::string login_help_text();

// The subcommand: parses argv, reads the password from stdin, logs in; "Login Succeeded" on `out`.
int run_login_command(int argc, const char* const* argv, std::ostream& out);

}  // namespace ocipush
