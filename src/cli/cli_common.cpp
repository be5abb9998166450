#include "oci_push/cli/cli_common.h"

#include "oci_push/util/error.h"

namespace ocipush {

cxxopts::ParseResult parse_or_usage_error(cxxopts::Options& options, int argc, const char* const* argv,
                                          const std::string& help_command) {
  try {
    return options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(std::string(e.what()) + " (see " + help_command + " --help)");
  }
}

std::string read_secret_line(std::istream& in) {
  std::string secret;
  std::getline(in, secret);
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) throw UsageError("--password-stdin: standard input holds no password");
  return secret;
}

}  // namespace ocipush
