// What every subcommand's command line shares: cxxopts errors as usage errors, secrets from stdin.
#pragma once
#include <cxxopts.hpp>
#include <istream>
#include <string>

namespace ocipush {

// Parses argv; a cxxopts complaint becomes a UsageError (exit 2) that points at `help_command`'s --help.
cxxopts::ParseResult parse_or_usage_error(cxxopts::Options& options, int argc, const char* const* argv,
                                          const std::string& help_command);

// One line of `in` (a password or token), without its line ending; UsageError when there is none.
std::string read_secret_line(std::istream& in);

}  // namespace ocipush
