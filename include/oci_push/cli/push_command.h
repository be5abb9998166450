// The command line: argv -> what to do. Output formatting for stdout lives here too.
#pragma once
#include <string>

#include "oci_push/transfer/push.h"

namespace ocipush {

struct CliCommand {
  enum class Action { Push, Help, Version };
  Action action = Action::Push;
  PushOptions push;
  std::string username;
  bool password_stdin = false;
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  std::string digest_file;
};

// Throws UsageError (exit status 2) naming the option or argument that is wrong.
CliCommand parse_command_line(int argc, const char* const* argv);
std::string help_text();

// stdout after a push: one "REGISTRY/REPO@DIGEST" line per repository; for a dry run, the plan;
// with json, one JSON object (or a list, when several repositories were pushed).
std::string format_push_result(const PushResult& result, bool json);

}  // namespace ocipush
