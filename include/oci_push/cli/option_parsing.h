// What every subcommand's command line shares: cxxopts errors as one-line usage errors, option values.
#pragma once
#include <cxxopts.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ocipush {

// --jobs' ceiling, for every subcommand that has it.
inline constexpr unsigned kMaxJobs = 64;

// Parses argv; a cxxopts complaint becomes a UsageError (exit 2) that points at `help_command`'s --help.
cxxopts::ParseResult parse_or_usage_error(cxxopts::Options& options, int argc, const char* const* argv,
                                          const std::string& help_command);

// As parse_or_usage_error; with -h/--help (declared as "help") writes `help` to `out` and returns nullopt:
// the subcommand is done, exit status 0.
std::optional<cxxopts::ParseResult> parse_or_help(cxxopts::Options& options, int argc, const char* const* argv,
                                                  const std::string& help_command, const std::string& help,
                                                  std::ostream& out);

// A cxxopts message with what the user typed (between cxxopts's quotes) quoted anew by in_quotes, so
// that no control character of it reaches the one error line: Option "frobnicate" does not exist.
std::string requote_cxxopts_message(std::string_view message);

// The option's value, or `fallback` when the command line does not give it.
template <typename T>
T get_or(const cxxopts::ParseResult& r, const std::string& name, T fallback) {
  return r.count(name) ? r[name].as<T>() : fallback;
}

// The words that are no option's value (declared as the vector option "positional"), in order.
inline std::vector<std::string> positional_words(const cxxopts::ParseResult& r) {
  return get_or<std::vector<std::string>>(r, "positional", {});
}

}  // namespace ocipush
