// `oci-push pull REF... DEST`, `oci-push copy SRC DST` and `oci-push verify BUNDLE`: argv in, stdout out.
#pragma once
#include <ostream>
#include <string>

namespace ocipush {

std::string pull_help_text();
int run_pull_command(int argc, const char* const* argv, std::ostream& out);

std::string copy_help_text();
int run_copy_command(int argc, const char* const* argv, std::ostream& out);

std::string verify_help_text();
int run_verify_command(int argc, const char* const* argv, std::ostream& out);

}  // namespace ocipush
