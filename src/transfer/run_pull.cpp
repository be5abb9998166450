// `oci-push pull` over real ends: registries read through RegistryStore, written to a LayoutSink or a
// TarBundle, the transfer itself push_to_sinks'.
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstring>

#include <algorithm>
#include <memory>
#include <thread>

#include "oci_push/formats/blob_store.h"
#include "oci_push/formats/layout_sink.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/formats/tar_bundle.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/io/file_writes.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/registry_sink.h"
#include "oci_push/transfer/delta.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/transfer/push_context.h"
#include "oci_push/transfer/registry_ends.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"
#include "oci_push/util/stop.h"

namespace ocipush {

namespace {

PushOptions pull_push_options(const PullOptions& options) {
  // A half-written blob is found by its name in the layout: no cache of sessions.
  PushOptions p = remote_push_options(options.connection, options.jobs, options.dry_run, "fetched");
  p.threads = options.threads;
  return p;
}

}  // namespace

PullDestination parse_pull_destination(const std::string& destination) {
  if (destination.starts_with("oci:")) return {PullDestination::Kind::Layout, destination.substr(4)};
  for (const char* prefix : {"oci-archive:", "docker-archive:"})
    if (destination.starts_with(prefix)) return {PullDestination::Kind::Tarball, destination.substr(strlen(prefix))};
  struct stat st {};
  bool exists = ::stat(destination.c_str(), &st) == 0;
  if ((exists && S_ISDIR(st.st_mode)) || (!exists && destination.ends_with("/")))
    return {PullDestination::Kind::Layout, destination};
  return {PullDestination::Kind::Tarball, destination};
}

namespace {

// An existing tarball DEST is replaced only when it is a bundle (an OCI archive); anything else is refused.
void check_tarball_destination(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  if (!S_ISREG(st.st_mode)) throw Error(path + ": exists and is not a file (a tarball bundle is one)");
  try {
    open_source(parse_source_spec("oci-archive:" + path));
  } catch (const Error& e) {
    throw Error(path + ": exists and is not a bundle (" + e.what() + "); refusing to replace it");
  }
}

// Every blob the jobs' artifacts name, each once: a tarball's plan.
void collect_blobs(const Artifact& artifact, std::vector<Descriptor>& out) {
  if (artifact.index) {
    out.push_back({artifact.index->media_type, artifact.index->digest, artifact.index->bytes.size(), {}, {}});
    for (const auto& child : artifact.index->children) collect_blobs(child, out);
    return;
  }
  const Image& image = *artifact.image;
  if (image.manifest) out.push_back({"", image.manifest_digest, image.manifest->size(), {}, {}});
  out.push_back({"", image.config_digest, image.config.size(), {}, {}});
  for (const auto& l : image.layers)
    if (l.descriptor && l.bytes) out.push_back(*l.descriptor);
}

// The platform docker would run here: what manifest.json lists of an index.
Platform host_platform() {
  struct utsname u {};
  ::uname(&u);
  std::string machine = u.machine;
  if (machine == "x86_64") return {"linux", "amd64", ""};
  if (machine == "aarch64") return {"linux", "arm64", ""};
  return {"linux", machine, ""};
}

}  // namespace

namespace {

// One pull: the jobs read from the registries, then moved into the destination.
struct Pull {
  bool dry_run;
  std::string verb;  // "pulling", "writing"
  Progress& progress;
  PullDestination dest;
  std::vector<PushJob> jobs;
  std::optional<OldBundle> old;  // --since

  void announce(const PushTarget& t) const {
    progress.event((dry_run ? "planning " + verb + " of " : verb + " ") + t.name() + " into " + dest.path);
  }
  // A reference by digest alone has no tag: the bundle names it REGISTRY/REPO@DIGEST.
  std::optional<std::pair<Descriptor, std::string>> digest_name(size_t i, const PushResult& r) const {
    if (!jobs[i].target.tags.empty() || dry_run) return std::nullopt;
    const auto& m = r.repositories[i].manifest;
    return std::pair{Descriptor{m.media_type, m.digest, m.size, {}, {}}, jobs[i].target.name() + "@" + m.digest.str()};
  }
  std::unique_ptr<ImageSink> delta(std::unique_ptr<ImageSink> sink) const {
    return old ? std::make_unique<DeltaSink>(std::move(sink), *old) : std::move(sink);
  }
  std::vector<Digest> left_to_old(const std::function<bool(const Digest&)>& held) const {
    return old ? layers_left_to(*old, jobs, held) : std::vector<Digest>{};
  }

  PushResult into_layout(PushContext& context) {
    auto result = push_to_sinks(
        jobs,
        [&](const PushTarget& t) {
          announce(t);
          return delta(std::make_unique<LayoutSink>(dest.path, t.registry, !dry_run));
        },
        context);
    if (dry_run) return result;
    LayoutSink layout(dest.path, "");
    for (size_t i = 0; i < jobs.size(); ++i)
      if (auto named = digest_name(i, result)) layout.name_manifest(named->first, named->second);
    if (old)
      replace_file(dest.path + "/" + kDeltaFile,
                   delta_file(*old, left_to_old([&](const Digest& d) { return layout.blob_size("", d).has_value(); })));
    return result;
  }

  PushResult into_tarball(PushContext& context, const Platform& platform) {
    auto omitted = left_to_old([](const Digest&) { return false; });
    std::vector<Descriptor> blobs;
    for (const auto& job : jobs) collect_blobs(job.artifact, blobs);
    std::erase_if(blobs, [&](const Descriptor& b) { return std::count(omitted.begin(), omitted.end(), b.digest) > 0; });
    TarBundle bundle(dest.path, blobs, platform, !dry_run);
    auto result = push_to_sinks(
        jobs,
        [&](const PushTarget& t) {
          announce(t);
          return delta(std::make_unique<TarBundleSink>(bundle, dest.path, t.registry));
        },
        context);
    if (dry_run) return result;
    for (size_t i = 0; i < jobs.size(); ++i)
      if (auto named = digest_name(i, result)) bundle.name_manifest(named->first, named->second);
    if (old) bundle.add_file(kDeltaFile, delta_file(*old, omitted));
    bundle.finish();
    return result;
  }
};

}  // namespace

PushResult run_pull(const PullOptions& options, Progress& progress, const HttpLogger& http_log) {
  return interruptible([&] {
    auto platforms = parse_platforms(options.platforms);
    std::vector<Reference> refs;
    for (const auto& text : options.references) refs.push_back(parse_reference(text));
    const PullDestination dest = parse_pull_destination(options.destination);
    const bool layout = dest.kind == PullDestination::Kind::Layout;
    check_destination(dest, options.dry_run);  // refused before anything is fetched
    Ends ends(pull_push_options(options), progress, http_log);
    Pull pull{options.dry_run, "pulling", progress, dest, {}, std::nullopt};
    if (!options.since.empty()) pull.old = read_old_bundle(options.since);
    struct stat st {};
    std::shared_ptr<const BlobStore> held;  // what the layout holds: configs are read from there
    if (layout && ::stat(dest.path.c_str(), &st) == 0) held = std::make_shared<DirectoryBlobStore>(dest.path);
    for (const auto& ref : refs) {
      PushTarget target{ref.registry, ref.api_host(), ref.repository, {}, ref.digest};
      if (ref.tag || !ref.digest) target.tags.push_back(ref.tag.value_or("latest"));
      ends.read(pull.jobs, ends.connect_source(ref, options.ranges), ref, platforms, target, options.referrers, held);
    }
    PushContext context{ends.push, ends.pool, progress, nullptr, stop_flag()};
    return layout ? pull.into_layout(context)
                  : pull.into_tarball(context, platforms.empty() ? host_platform() : platforms.front());
  });
}

void check_destination(const PullDestination& dest, bool dry_run) {
  if (dest.kind == PullDestination::Kind::Layout) prepare_layout(dest.path, !dry_run);
  else check_tarball_destination(dest.path);
}

PushResult push_to_destination(std::vector<PushJob> jobs, const PullDestination& dest, PushContext& context,
                               const Platform& platform) {
  Pull write{context.options.dry_run, "writing", context.progress, dest, std::move(jobs), std::nullopt};
  return dest.kind == PullDestination::Kind::Layout ? write.into_layout(context) : write.into_tarball(context, platform);
}

Platform this_machine_platform() { return host_platform(); }

}  // namespace ocipush
