// `oci-push pull`, `copy` and `verify`: registries as sources, an OCI layout or a registry as sinks,
// moved by the same push_to_sinks as a push; verify reads a bundle back with no registry.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oci_push/http/http_client.h"
#include "oci_push/transfer/connection.h"
#include "oci_push/transfer/push.h"
#include "oci_push/util/progress.h"

namespace ocipush {

struct PullOptions {
  std::vector<std::string> references;  // REGISTRY/REPO[:TAG][@DIGEST]
  std::string destination;              // see parse_pull_destination
  std::vector<std::string> platforms;   // --platform (repeatable): keep only these of an index
  bool referrers = false;               // --referrers: signatures, SBOMs, attestations too
  std::string since;                    // --since OLD-BUNDLE: leave out the layers it holds
  std::optional<unsigned> ranges;       // --ranges N: parallel ranged GETs for a big blob (0, 1: one stream)
  ConnectionOptions connection;
  unsigned jobs = 4;
  unsigned threads = 0;
  bool dry_run = false;
};

struct CopyOptions {
  std::string source;     // REGISTRY/REPO[:TAG][@DIGEST]
  std::string target;     // REGISTRY/REPO[:TAG]; without a tag, the source's
  std::string from_file;  // --from-file LIST: "SRC DST" pairs, one a line, instead of source and target
  std::vector<std::string> extra_tags;
  std::vector<std::string> platforms;
  bool referrers = false;
  std::optional<unsigned> ranges;
  ConnectionOptions connection;
  unsigned jobs = 4;
  uint64_t chunk_size = kDefaultChunkSize;
  bool dry_run = false;
};

struct VerifyResult {
  std::string bundle;
  size_t images = 0;
  size_t blobs = 0;
  size_t left_to_older = 0;  // layers a delta bundle leaves to the bundle it was made against
  uint64_t bytes = 0;
};

// Where a pull goes: "oci:DIR", a directory, or a path ending in '/' is an OCI layout; "oci-archive:FILE",
// "docker-archive:FILE" or any other path a tarball that is both a docker save and an OCI layout.
struct PullDestination {
  enum class Kind { Layout, Tarball };
  Kind kind;
  std::string path;
};
PullDestination parse_pull_destination(const std::string& destination);
// Refuses a destination a pull (or a build's --output) cannot write, before any work: an existing tarball
// that is not a bundle; creates a layout's directory unless `dry_run`.
void check_destination(const PullDestination& dest, bool dry_run);
// `jobs` written into `dest` as a pull writes them (a tarball's docker manifest.json lists `platform`).
struct PushContext;
PushResult push_to_destination(std::vector<PushJob> jobs, const PullDestination& dest, PushContext& context,
                               const Platform& platform);
// The platform docker would run here.
Platform this_machine_platform();

// Every REF into one layout, blobs stored once, each REF named in index.json by its full name. A blob
// the layout holds is not fetched again; a half-written one is continued with Range.
PushResult run_pull(const PullOptions& options, Progress& progress, const HttpLogger& http_log);
// SOURCE's manifest (every platform) into TARGET byte for byte: blobs mounted within one registry,
// skipped where TARGET has them, else streamed from the GET into the upload. With from_file, every pair
// of the list: those whose TARGET already has SOURCE's digest skipped after two HEADs (no GET), the
// others copied, pairs to different repositories at once (`jobs` of them).
PushResult run_copy(const CopyOptions& options, Progress& progress, const HttpLogger& http_log);

struct CopyPair {
  std::string source;
  std::string target;
};
// Pure: "SRC DST" a line; blank lines and lines starting with '#' skipped. Error naming `where` and the
// line for anything else.
std::vector<CopyPair> parse_copy_list(std::string_view text, const std::string& where);
// Every manifest, index, config and layer a bundle reaches, digest and size; Error naming the first
// that is missing, short or wrong.
VerifyResult run_verify(const std::string& bundle, unsigned jobs, Progress& progress);

}  // namespace ocipush
