#include <cxxopts.hpp>

#include "oci_push/cli/option_parsing.h"
#include "oci_push/cli/pull_command.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/util/error.h"
#include "oci_push/util/progress.h"

namespace ocipush {

namespace {

cxxopts::Options verify_options() {
  cxxopts::Options o("oci-push verify", "Check a bundle without a registry: every manifest, index, config and layer "
                                        "it reaches, digest and size.");
  o.positional_help("BUNDLE");
  // clang-format off
  o.add_options()
    ("j,jobs", "Blobs hashed at once (default 4)", cxxopts::value<unsigned>(), "N")
    ("q,quiet", "No progress on stderr")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  o.parse_positional({"positional"});
  return o;
}

const char* kVerifyFooter = R"(
BUNDLE   what push reads: an OCI layout, an oci-archive, a docker save tarball.
Exit status: 0 when everything is there and intact (one summary line on stdout); 1 naming the first
missing, short or broken blob; 2 usage error.
)";

}  // namespace

std::string verify_help_text() { return verify_options().help() + kVerifyFooter; }

int run_verify_command(int argc, const char* const* argv, std::ostream& out) {
  auto options = verify_options();
  auto parsed = parse_or_help(options, argc, argv, "oci-push verify", verify_help_text(), out);
  if (!parsed) return 0;
  const auto& r = *parsed;
  auto words = positional_words(r);
  if (words.size() != 1) throw UsageError("verify takes exactly one BUNDLE");
  unsigned jobs = get_or<unsigned>(r, "jobs", 4);
  if (jobs == 0 || jobs > 64) throw UsageError("--jobs must be between 1 and 64");
  auto progress = make_progress(r.count("quiet") > 0, stderr);
  auto result = run_verify(words[0], jobs, *progress);
  out << "verified " << result.bundle << ": " << result.images << " images, " << result.blobs << " layers, "
      << human_size(result.bytes) << ", every digest and size as the manifests say"
      << (result.left_to_older
              ? "; " + std::to_string(result.left_to_older) + " layers left to the older bundle of a delta"
              : "")
      << "\n";
  return 0;
}

}  // namespace ocipush
