// `oci-push build [OPTIONS] [CONTEXT]`: argv in, stdout out.
#pragma once
#include <ostream>
#include <string>

namespace ocipush {

std::string build_help_text();
int run_build_command(int argc, const char* const* argv, std::ostream& out);

}  // namespace ocipush
