// `oci-push inspect SOURCE [--json]`: what a local source holds, without pushing anything.
#pragma once
#include <ostream>
#include <string>

namespace ocipush {

// `oci-push inspect --help`.
std::string inspect_help_text();

// The subcommand: argv[0] is "inspect". Prints format_inspection() on `out`; returns the exit status;
// throws UsageError / Error.
int run_inspect_command(int argc, const char* const* argv, std::ostream& out);

}  // namespace ocipush
