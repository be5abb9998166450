// `oci-push [push] SOURCE [TARGET]`: its command line (argv -> PushCommand), its help, what it prints.
#pragma once
#include <cxxopts.hpp>
#include <ostream>
#include <string>

#include "oci_push/transfer/push.h"

namespace ocipush {

struct PushCommand {
  enum class Action { Push, Help };
  Action action = Action::Push;
  PushOptions push;  // push.connection: the shared connection options (connection_options.h)
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  std::string digest_file;
};

// argv is the whole command line: argv[0] the program, then the word push or not. Throws UsageError
// (exit status 2) naming the option or argument that is wrong. Reads nothing (not the password).
PushCommand parse_push_command(int argc, const char* const* argv);
// `oci-push push --help`: push's options, the connection options, SOURCE and TARGET, exit statuses.
std::string push_help_text();

// stdout after a push: one "REGISTRY/REPO@DIGEST" line per repository; for a dry run, the plan;
// with json, one JSON object (or a list, when several repositories were pushed). `fetch_word`: what the
// plan calls a blob that will move ("upload"; a pull's "fetch").
std::string format_push_result(const PushResult& result, bool json, const std::string& fetch_word = "upload");

// The subcommand: parses argv (as parse_push_command), reads the password from stdin when asked,
// pushes with progress on stderr, prints the result on `out`. Returns the exit status; throws Error.
// The options that say how the work is done (--jobs, --threads, --chunk-size, --compression, --no-cache,
// --cache-from, --dry-run), shared by push and build; throws UsageError.
void parse_work(const cxxopts::ParseResult& r, PushOptions& p);
// One manifest digest a line, for --digest-file.
void write_digest_file(const std::string& path, const PushResult& result);
int run_push_command(int argc, const char* const* argv, std::ostream& out);

}  // namespace ocipush
