// `oci-push push`: what it is asked (PushOptions) and what it did (PushResult).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/codec/layer_codec.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/http/http_client.h"
#include "oci_push/model/image.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/model/manifest.h"
#include "oci_push/transfer/connection.h"
#include "oci_push/transfer/push_target.h"
#include "oci_push/util/progress.h"

namespace ocipush {

struct PushContext;

inline constexpr uint64_t kMinChunkSize = 5ull << 20;  // ECR's and the spec's floor for all chunks but the last
// Bytes per streamed PATCH of a blob (--chunk-size): one round trip each (docs/benchmarks.md, "Request
// size", says why this much).
inline constexpr uint64_t kDefaultChunkSize = 128ull << 20;

struct PushOptions {
  std::string source;  // a path, or oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:NAME:TAG]
  std::string target;  // may be empty: RepoTags under `registry`
  std::string registry;
  std::vector<std::string> extra_tags;
  std::string image;                    // --image NAME:TAG
  std::optional<std::string> platform;  // --platform OS/ARCH[/VARIANT]
  bool all = false;                     // --all: every image of the source, each to its own repository
  std::optional<ManifestFormat> format;
  ConnectionOptions connection;  // credentials, ECR, TLS, retries, timeouts, plain HTTP
  unsigned jobs = 4;
  unsigned threads = 0;  // 0: one per core
  uint64_t chunk_size = kDefaultChunkSize;
  LayerCodec codec;                     // --compression, for layers that are not compressed yet
  bool use_cache = true;                // --no-cache turns the local digest cache off
  std::vector<std::string> cache_from;  // --cache-from REF: more images whose layers the registry has
  bool dry_run = false;
  // How progress lines say a blob was written: "uploaded" to a registry, "fetched" by a pull.
  std::string sent_word = "uploaded";
};

struct BlobOutcome {
  Descriptor descriptor;
  std::optional<Digest> diff_id;  // layers only
  bool skipped = false;           // the registry had it; nothing uploaded
  bool foreign = false;           // non-distributable: never uploaded
  uint64_t resumed_bytes = 0;     // not sent: the sink held them already (a resumed session)
};

// A pushed image manifest (config and layers) or index (its manifests).
struct ManifestResult {
  Digest digest;
  std::string media_type;
  uint64_t size = 0;
  std::optional<Platform> platform;  // inside an index
  BlobOutcome config;
  std::vector<BlobOutcome> layers;
  std::vector<ManifestResult> manifests;
};

struct RepositoryResult {
  std::string name;  // registry/repository
  std::vector<std::string> tags;
  ManifestResult manifest;
  bool skipped = false;  // the tag already named this manifest (copy --from-file): only digest and media type
};

struct PushResult {
  bool dry_run = false;
  std::vector<RepositoryResult> repositories;
};

// Reads a source for `options`: resolved before the first byte moves, so a bad name fails early.
struct PushJob {
  Artifact artifact;  // the image or index (with --platform, the one image of it) to push
  PushTarget target;
};
// The jobs a push does: with --all one per image and name, else the artifact the source, --image and
// --platform select, to each target. Throws UsageError / Error naming what does not fit.
std::vector<PushJob> plan_push_jobs(const SourceContents& source, const SourceSpec& spec, const PushOptions& options);

// The sink for one target; called once per job, in order.
using SinkOpener = std::function<std::unique_ptr<ImageSink>(const PushTarget& target)>;

// The push as a composition: for each job, what the sink holds already (the target tag, --cache-from),
// the artifact's blobs, then its manifests and tags. Layers compressed for one job are reused by the next.
PushResult push_to_sinks(const std::vector<PushJob>& jobs, const SinkOpener& open_sink, PushContext& context);

// `oci-push push`: opens the source, connects to each target registry, pushes. Throws Error / UsageError
// with the one line to show; Interrupted after a stop. Never PUTs a manifest unless every blob it
// references was confirmed present.
PushResult run_push(const PushOptions& options, Progress& progress, const HttpLogger& http_log);

}  // namespace ocipush
