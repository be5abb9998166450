#include "oci_push/cli/pull_command.h"

#include <cxxopts.hpp>
#include <iostream>

#include "oci_push/cli/connection_options.h"
#include "oci_push/cli/option_parsing.h"
#include "oci_push/cli/push_command.h"
#include "oci_push/cli/run_reporting.h"
#include "oci_push/model/reference.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {


// The options pull and copy share: output, work, platforms.
void add_transfer_options(cxxopts::Options& o) {
  // clang-format off
  o.add_options()
    ("platform", "Keep only this platform of an index (repeatable); the index then gets another digest", cxxopts::value<std::vector<std::string>>(), "OS/ARCH[/VARIANT]")
    ("referrers", "Also what refers to each manifest: signatures, SBOMs, attestations (OCI referrers, the sha256-HEX tag, cosign's .sig/.att/.sbom tags)")
    ("j,jobs", "Blobs in flight at once (default 4)", cxxopts::value<unsigned>(), "N")
    ("ranges", "Parallel ranged GETs for one big blob (default 4 across a network, 1 on loopback)", cxxopts::value<unsigned>(), "N")
    ("json", "Print a JSON summary on stdout")
    ("q,quiet", "No progress on stderr")
    ("v,verbose", "Show HTTP requests on stderr (secrets redacted)")
    ("dry-run", "Read the manifests and print what would be fetched; write nothing")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
}

cxxopts::Options pull_options() {
  cxxopts::Options o("oci-push pull", "Pull images from registries into one OCI layout, byte for byte.");
  o.positional_help("REF... DEST");
  o.add_options()("since", "A delta: leave out the layers OLD-BUNDLE holds (manifests and configs are always written)",
                  cxxopts::value<std::string>(), "OLD-BUNDLE");
  add_transfer_options(o);
  add_connection_options(o);
  o.parse_positional({"positional"});
  return o;
}

cxxopts::Options copy_options() {
  cxxopts::Options o("oci-push copy", "Copy an image (every platform) from one registry to another, byte for byte.");
  o.positional_help("SRC DST | --from-file LIST");
  o.add_options()("t,tag", "Also tag the copy TAG (repeatable)", cxxopts::value<std::vector<std::string>>(), "TAG")(
      "from-file", "Copy every \"SRC DST\" pair of LIST (one a line); pairs whose DST has SRC's digest are skipped",
      cxxopts::value<std::string>(), "LIST");
  add_transfer_options(o);
  add_connection_options(o);
  o.parse_positional({"positional"});
  return o;
}

const char* kPullFooter = R"(
REF    REGISTRY/REPO[:TAG][@DIGEST]; every platform of an index unless --platform says which.
DEST   oci:DIR, or a directory (existing, or a path ending in '/'): an OCI image layout, added to when it
       exists. Any other path (or oci-archive:FILE, docker-archive:FILE): a tarball that is at once a docker
       save (manifest.json: docker load, podman load; an index's image for this machine or the first
       --platform) and an OCI layout, written in place as DEST.partial, renamed when complete.
       Each REF is named in index.json (org.opencontainers.image.ref.name and io.containerd.image.name) by
       its full name, so `oci-push DEST REGISTRY/PREFIX --all` pushes each back with every digest
       unchanged. Blobs the layout holds are not fetched again; a half-fetched blob (blobs/sha256/HEX.partial)
       is continued with a Range request; a tarball keeps the blobs a killed run completed.

Output: REGISTRY/REPO@sha256:... per REF on stdout; --json for a summary. Exit status: 0 success, 1 failure
(nothing named in index.json), 2 usage error, 130 interrupted.
)";

const char* kCopyFooter = R"(
SRC    REGISTRY/REPO[:TAG][@DIGEST]. DST  REGISTRY/REPO[:TAG] (without a tag: SRC's).
Blobs are mounted when SRC and DST are one registry, skipped when DST has them, else streamed from the
GET into the upload (nothing on disk). Output as push's.
--from-file LIST: one "SRC DST" pair a line (# comments); a pair whose DST tag already has SRC's digest
is skipped after a HEAD on each (no GET: rate limits count GETs); pairs into different repositories are
copied at once (-j of them).
)";

struct Common {
  bool json = false;
  bool quiet = false;
  bool verbose = false;
};

Common parse_common(const cxxopts::ParseResult& r, unsigned& jobs, std::vector<std::string>& platforms,
                    std::optional<unsigned>& ranges) {
  if (r.count("ranges")) {
    ranges = r["ranges"].as<unsigned>();
    if (*ranges == 0 || *ranges > 16) throw UsageError("--ranges must be between 1 and 16");
  }
  jobs = get_or<unsigned>(r, "jobs", jobs);
  if (jobs == 0 || jobs > kMaxJobs) throw UsageError("--jobs must be between 1 and " + std::to_string(kMaxJobs));
  platforms = get_or<std::vector<std::string>>(r, "platform", {});
  for (const auto& p : platforms) Platform::parse(p);
  return {r.count("json") > 0, r.count("quiet") > 0, r.count("verbose") > 0};
}

template <typename Run>
int run_with_progress(const Common& common, std::ostream& out, const std::string& fetch_word, Run run) {
  auto reporting = make_run_reporting(common.quiet, common.verbose);
  auto result = run(*reporting.progress, reporting.http_log);
  out << format_push_result(result, common.json, fetch_word) << std::flush;
  return 0;
}

}  // namespace

std::string pull_help_text() { return pull_options().help({"", kConnectionGroup}) + kPullFooter; }
std::string copy_help_text() { return copy_options().help({"", kConnectionGroup}) + kCopyFooter; }

int run_pull_command(int argc, const char* const* argv, std::ostream& out) {
  auto options = pull_options();
  auto parsed = parse_or_help(options, argc, argv, "oci-push pull", pull_help_text(), out);
  if (!parsed) return 0;
  const auto& r = *parsed;
  PullOptions p;
  auto words = positional_words(r);
  if (words.size() < 2) throw UsageError("pull takes REF... DEST (see oci-push pull --help)");
  p.destination = words.back();
  words.pop_back();
  for (const auto& w : words) parse_reference(w);
  p.references = words;
  Common common = parse_common(r, p.jobs, p.platforms, p.ranges);
  p.dry_run = r.count("dry-run") > 0;
  p.referrers = r.count("referrers") > 0;
  p.since = get_or<std::string>(r, "since", "");
  p.connection = parse_connection_options(r);
  read_stdin_password(p.connection, std::cin);
  return run_with_progress(common, out, "fetch",
                           [&](Progress& progress, const HttpLogger& log) { return run_pull(p, progress, log); });
}

int run_copy_command(int argc, const char* const* argv, std::ostream& out) {
  auto options = copy_options();
  auto parsed = parse_or_help(options, argc, argv, "oci-push copy", copy_help_text(), out);
  if (!parsed) return 0;
  const auto& r = *parsed;
  CopyOptions c;
  auto words = positional_words(r);
  c.from_file = get_or<std::string>(r, "from-file", "");
  if (!c.from_file.empty() && !words.empty()) throw UsageError("copy takes SRC DST or --from-file LIST, not both");
  if (c.from_file.empty() && words.size() != 2) throw UsageError("copy takes SRC DST (see oci-push copy --help)");
  if (c.from_file.empty()) {
    c.source = words[0];
    c.target = words[1];
    parse_reference(c.source);
    parse_reference(c.target);
  }
  Common common = parse_common(r, c.jobs, c.platforms, c.ranges);
  c.extra_tags = get_or<std::vector<std::string>>(r, "tag", {});
  for (const auto& t : c.extra_tags)
    if (!is_valid_tag(t)) throw UsageError("invalid tag " + in_quotes(t));
  c.dry_run = r.count("dry-run") > 0;
  c.referrers = r.count("referrers") > 0;
  c.connection = parse_connection_options(r);
  read_stdin_password(c.connection, std::cin);
  return run_with_progress(common, out, "copy",
                           [&](Progress& progress, const HttpLogger& log) { return run_copy(c, progress, log); });
}

}  // namespace ocipush
