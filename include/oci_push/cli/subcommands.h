// The subcommands oci-push has, the dispatcher main() calls, and the top-level help.
#pragma once
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace ocipush {

struct Subcommand {
  std::string_view name;      // the word on the command line: "push", "ecr-public"
  std::string_view synopsis;  // as the top-level help lists it: "push SOURCE [TARGET]"
  std::string_view summary;   // its one line there
  std::string (*help)();      // `oci-push NAME --help`
  // Runs it: argv[0] is NAME (push: argv is the whole command line, the word push optional in it).
  int (*run)(int argc, const char* const* argv, std::ostream& out);
};

// push, pull, copy, verify, inspect, login, ecr, ecr-public.
std::span<const Subcommand> subcommands();
const Subcommand* find_subcommand(std::string_view name);

// What argv asks for: the top-level help, the version, or a subcommand (run on argv + first).
struct CliRoute {
  enum class Kind { Help, Version, Run };
  Kind kind = Kind::Run;
  const Subcommand* subcommand = nullptr;  // Run; also Help for `oci-push help NAME`
  int first = 0;                           // Run: the subcommand's argv starts at argv[first]
};

// argv[1] names a subcommand, or -h/--help/help [NAME], or --version; anything else is the bare form
// `oci-push SOURCE [TARGET]` (push), unless it is a word that cannot be a source: not an existing path,
// no '/', '.' or ':' in it, not an option. That is an unknown subcommand: UsageError listing them.
CliRoute route_command_line(int argc, const char* const* argv);

// `oci-push --help`: the subcommands, one line each, the global options, and push's help (the
// subcommand that needs no word).
std::string top_level_help();

// The whole command line: writes help, the version ("oci-push VERSION") or the subcommand's stdout on
// `out`. Returns the exit status; throws UsageError (2), Interrupted (130), Error (1) for main().
int run_cli(int argc, const char* const* argv, std::string_view version, std::ostream& out);

}  // namespace ocipush
