#include "oci_push/cli/option_parsing.h"

#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

std::string requote_cxxopts_message(std::string_view message) {
  const std::string& open = cxxopts::LQUOTE;
  const std::string& close = cxxopts::RQUOTE;
  // The one message that quotes two things: the option, then the argument it does not take.
  const std::string between = " does not take an argument, but argument ";
  const auto first = message.find(open);
  const auto last = message.rfind(close);
  if (first == std::string_view::npos || last == std::string_view::npos || last < first + open.size())
    return std::string(message);
  const std::string_view quoted = message.substr(first + open.size(), last - first - open.size());
  std::string out(message.substr(0, first));
  if (const auto mid = quoted.find(close + between + open); mid != std::string_view::npos)
    out += in_quotes(quoted.substr(0, mid)) + between +
           in_quotes(quoted.substr(mid + close.size() + between.size() + open.size()));
  else out += in_quotes(quoted);
  out += message.substr(last + close.size());
  return out;
}

cxxopts::ParseResult parse_or_usage_error(cxxopts::Options& options, int argc, const char* const* argv,
                                          const std::string& help_command) {
  try {
    return options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(requote_cxxopts_message(e.what()) + " (see " + help_command + " --help)");
  }
}

std::optional<cxxopts::ParseResult> parse_or_help(cxxopts::Options& options, int argc, const char* const* argv,
                                                  const std::string& help_command, const std::string& help,
                                                  std::ostream& out) {
  auto r = parse_or_usage_error(options, argc, argv, help_command);
  if (!r.count("help")) return r;
  out << help;
  return std::nullopt;
}

}  // namespace ocipush
