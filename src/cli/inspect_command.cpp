#include "oci_push/cli/inspect_command.h"

#include <cxxopts.hpp>

#include "oci_push/cli/inspection_format.h"
#include "oci_push/cli/option_parsing.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

cxxopts::Options inspect_options() {
  cxxopts::Options o("oci-push inspect", "List what a local image source holds, without pushing.");
  o.positional_help("SOURCE");
  // clang-format off
  o.add_options()
    ("json", "Print JSON")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  o.parse_positional({"positional"});
  return o;
}

}  // namespace

std::string inspect_help_text() { return inspect_options().help(); }

int run_inspect_command(int argc, const char* const* argv, std::ostream& out) {
  auto options = inspect_options();
  auto parsed = parse_or_help(options, argc, argv, "oci-push inspect", options.help(), out);
  if (!parsed) return 0;
  const auto& r = *parsed;
  const auto sources = positional_words(r);
  if (sources.size() != 1) throw UsageError("inspect takes exactly one SOURCE");
  auto source = open_source(parse_source_spec(sources[0]));
  source.name = sources[0];  // as the user wrote it, transport prefix included
  out << format_inspection(source, r.count("json") > 0);
  return 0;
}

}  // namespace ocipush
