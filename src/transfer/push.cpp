#include "oci_push/transfer/push.h"

#include <map>
#include <memory>
#include <semaphore>
#include <thread>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/registry/chunked_upload.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/transfer/digest_cache.h"
#include "oci_push/util/error.h"
#include "oci_push/model/image_config.h"
#include "oci_push/codec/layer_digests.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/formats/oci_layout.h"
#include "oci_push/transfer/push_target.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/registry_client.h"
#include "oci_push/formats/stream_source.h"
#include "oci_push/util/stop.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

namespace {


// A compressed layer the registry already holds, and in which repository.
struct KnownLayer {
  Descriptor descriptor;
  std::string repository;
};
// By diff_id: what the target tag already has, and what this run pushed.
using KnownLayers = std::map<Digest, KnownLayer>;

std::string short_digest(const Digest& d) { return d.algorithm + ":" + d.hex.substr(0, 12); }

// What the registry already holds in an image (`repository`:`reference`): diff_id -> compressed layer,
// learned by pairing its config's rootfs.diff_ids with its manifest's layers. This lets a runner with no
// local state skip compressing layers the registry has. Layers pair only when the counts agree and the
// layer was compressed with the codec we would use: anything else would change the pushed digests.
KnownLayers layers_known_by_registry(RegistryClient& client, const std::string& repository,
                                     const std::string& reference, LayerCompression codec) {
  KnownLayers known;
  auto fetched = client.get_manifest(repository, reference);
  if (!fetched) return known;
  ImageManifest manifest;
  std::vector<Digest> diff_ids;
  const std::string name = client.host() + "/" + repository + ":" + reference;
  try {
    manifest = parse_image_manifest(fetched->body, name);
    diff_ids = parse_diff_ids(client.get_blob(repository, manifest.config.digest, kMaxConfigBytes),
                              name + " config " + manifest.config.digest.str());
  } catch (const NetworkError&) {
    throw;
  } catch (const Error&) {
    return known;  // an index, or an image we cannot pair: nothing to reuse, nothing wrong
  }
  if (diff_ids.size() != manifest.layers.size()) return known;
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    try {
      if (compression_of_layer_media_type(manifest.layers[i].media_type) == codec &&
          !is_foreign_layer_media_type(manifest.layers[i].media_type))
        known.emplace(diff_ids[i], KnownLayer{manifest.layers[i], repository});
    } catch (const Error&) {
    }
  }
  return known;
}

std::string index_media_type(ManifestFormat format) {
  return std::string(format == ManifestFormat::Oci ? media_type::kOciIndex : media_type::kDockerManifestList);
}

// A manifest or index ready to be PUT, and what went into it.
struct BuiltManifest {
  std::string bytes;
  ManifestResult result;
};

class ArtifactPusher {
 public:
  ArtifactPusher(const PushOptions& options, ThreadPool& pool, Progress& progress)
      : options_(options), pool_(pool), progress_(progress), compression_turns_(compressing_layers(options, pool)) {
    if (options.use_cache)
      if (auto dir = DigestCache::default_directory()) cache_ = std::make_unique<DigestCache>(*dir);
  }
  ~ArtifactPusher() {
    if (cache_) cache_->prune();
  }

  // Pushes every blob (and every manifest below the top, by digest) and returns the top document.
  BuiltManifest push(RegistryClient& client, const std::string& repo, const Artifact& artifact,
                     KnownLayers& known) {
    return artifact.image ? push_image(client, repo, *artifact.image, known)
                          : push_index(client, repo, *artifact.index, known);
  }

  void put_tags(RegistryClient& client, const PushTarget& target, const BuiltManifest& built) {
    std::vector<std::string> references = target.tags;
    if (references.empty()) references.push_back(built.result.digest.str());
    for (const auto& ref : references) {
      if (stop_requested()) throw Interrupted();
      put_manifest(client, target.repository, ref, built);
      progress_.event("tagged " + target.name() + ":" + ref + " -> " + built.result.digest.str());
    }
  }

 private:
  void put_manifest(RegistryClient& client, const std::string& repo, const std::string& ref, const BuiltManifest& built) {
    auto reported = client.put_manifest(repo, ref, built.result.media_type, built.bytes);
    if (reported && *reported != built.result.digest.str())
      throw Error("registry stored " + repo + ":" + ref + " as " + *reported + ", not as the " +
                  built.result.digest.str() + " that was sent");
  }

  ManifestFormat format_for(const Image& image) const {
    if (options_.format) return *options_.format;
    // Docker schema 2 has no zstd (or plain tar) layer type: such images go out as OCI unless told otherwise.
    for (const auto& l : image.layers) {
      if (l.stored_compression == LayerCompression::Zstd) return ManifestFormat::Oci;
      if (l.stored_compression == LayerCompression::None && !l.foreign &&
          options_.codec.compression != LayerCompression::Gzip)
        return ManifestFormat::Oci;
    }
    return image.native_format;
  }

  BuiltManifest push_image(RegistryClient& client, const std::string& repo, const Image& image, KnownLayers& known) {
    const ManifestFormat format = format_for(image);
    const bool converted = format != image.native_format;
    BuiltManifest built;
    auto& result = built.result;
    result.layers.resize(image.layers.size());
    const size_t first_id = next_progress_id_.fetch_add(image.layers.size());
    run_parallel(
        image.layers.size(), options_.jobs,
        [&](size_t i) { result.layers[i] = push_layer(client, repo, image, i, format, known, first_id + i); }, stop_flag());
    for (size_t i = 0; i < image.layers.size(); ++i)
      if (image.layers[i].stored_compression == LayerCompression::None)
        known.emplace(image.layers[i].diff_id, KnownLayer{result.layers[i].descriptor, repo});
    result.config = push_config(client, repo, image, converted ? std::string(config_media_type(format)) : image.config_media_type);

    bool recompressed = std::any_of(image.layers.begin(), image.layers.end(), [](const Layer& l) {
      return !l.foreign && l.stored_compression == LayerCompression::None;
    });
    result.media_type = std::string(manifest_media_type(format));
    if (image.manifest && !converted && !recompressed) {
      built.bytes = *image.manifest;  // byte for byte: its digest, and any signature over it, survive
      result.digest = image.manifest_digest;
    } else {
      ImageManifest manifest{format, result.config.descriptor, {}};
      for (const auto& l : result.layers) manifest.layers.push_back(l.descriptor);
      built.bytes = serialize_manifest(manifest);
      result.digest = sha256_of(built.bytes);
    }
    result.size = built.bytes.size();
    if (!options_.dry_run) confirm_present(client, repo, result);
    return built;
  }

  BuiltManifest push_index(RegistryClient& client, const std::string& repo, const Index& index, KnownLayers& known) {
    BuiltManifest built;
    auto& result = built.result;
    const std::string media_type = options_.format ? index_media_type(*options_.format) : index.media_type;
    std::vector<Descriptor> entries;
    bool changed = media_type != index.media_type;
    for (const auto& child : index.children) {
      if (stop_requested()) throw Interrupted();
      auto child_built = push(client, repo, child, known);
      child_built.result.platform = child.platform;
      const Digest& original = child.image ? child.image->manifest_digest : child.index->digest;
      changed = changed || child_built.result.digest != original;
      if (!options_.dry_run) put_manifest(client, repo, child_built.result.digest.str(), child_built);
      progress_.event("manifest " + short_digest(child_built.result.digest) +
                      (child.platform ? " (" + child.platform->str() + ")" : "") +
                      (options_.dry_run ? ": planned" : ": pushed"));
      entries.push_back({child_built.result.media_type, child_built.result.digest, child_built.bytes.size(), {}, {}});
      result.manifests.push_back(std::move(child_built.result));
    }
    built.bytes = changed ? rewrite_image_index(index.bytes, media_type, entries) : index.bytes;
    result.media_type = media_type;
    result.digest = changed ? sha256_of(built.bytes) : index.digest;
    result.size = built.bytes.size();
    return built;
  }

  std::string layer_media_type_for(const Layer& layer, ManifestFormat format, bool converted) const {
    if (layer.descriptor && !converted && layer.stored_compression != LayerCompression::None)
      return layer.descriptor->media_type;
    if (layer.foreign) {
      if (layer.stored_compression != LayerCompression::Gzip)
        throw Error("cannot convert non-distributable layer " + layer.name + " (" +
                    (layer.descriptor ? layer.descriptor->media_type : std::string("?")) + ") to another format");
      return std::string(format == ManifestFormat::Docker ? media_type::kDockerForeignLayer
                                                          : media_type::kOciNondistributableGzip);
    }
    LayerCompression compression =
        layer.stored_compression == LayerCompression::None ? options_.codec.compression : layer.stored_compression;
    if (compression != LayerCompression::Gzip && format == ManifestFormat::Docker)
      throw Error(layer.name + (compression == LayerCompression::Zstd ? " is zstd-compressed" : " is not compressed") +
                  ", which a Docker schema 2 manifest cannot express; use --format oci");
    return std::string(layer_media_type(format, compression));
  }

  void check_diff_id(const Image& image, size_t i, const Digest& actual) const {
    const auto& layer = image.layers[i];
    if (actual != layer.diff_id)
      throw Error(image.source_name + ": layer " + std::to_string(i + 1) + " \"" + layer.name + "\" has digest " +
                  actual.str() + " but the config's rootfs.diff_ids[" + std::to_string(i) + "] says " +
                  layer.diff_id.str());
  }

  // Whether the registry holds `d` already (same digest and size).
  static bool present(RegistryClient& client, const std::string& repo, const Descriptor& d) {
    auto size = client.blob_size(repo, d.digest);
    return size && *size == d.size;
  }

  // Layers compressed at once: more than the pool has threads cannot compress faster, and each one holds
  // a chunk buffer and a window of blocks; at least 2, so one uploads while another compresses. The other
  // --jobs still check, mount and send ready-made blobs meanwhile.
  static unsigned compressing_layers(const PushOptions& options, const ThreadPool& pool) {
    return std::max(1u, std::min(options.jobs, std::max(2u, pool.size())));
  }

  // Blocks in flight per layer: the pool's share (2 x threads + 2) divided among the layers compressed
  // at once, at least 2, so memory stays flat whatever --jobs is (each block is 1 MiB in, less out).
  size_t gzip_window() const {
    size_t share = 2 * static_cast<size_t>(pool_.size()) + 2;
    return std::max<size_t>(2, share / compressing_layers(options_, pool_));
  }

  // gzip's pipeline stalls while its thread waits for a chunk's answer, so its chunks are sent in the
  // background (a second chunk buffer). zstd's own workers go on compressing meanwhile, and hold more
  // memory than that second buffer would: sent inline, measured as fast within 7 %, 11 MiB less.
  BlobSending chunk_sending() const {
    return options_.codec.compression == LayerCompression::Zstd ? BlobSending::Inline : BlobSending::Background;
  }

  // Holds one of the compressing_layers() places while a layer is compressed.
  class CompressionTurn {
   public:
    explicit CompressionTurn(std::counting_semaphore<>& turns) : turns_(turns) { turns_.acquire(); }
    ~CompressionTurn() { turns_.release(); }
    CompressionTurn(const CompressionTurn&) = delete;
    CompressionTurn& operator=(const CompressionTurn&) = delete;

   private:
    std::counting_semaphore<>& turns_;
  };

  // "exists" when `repo` holds `d`, "mounted from X" after a cross-repository mount from `from`, else "".
  std::string present_or_mounted(RegistryClient& client, const std::string& repo, const Descriptor& d,
                                 const std::string& from) {
    if (present(client, repo, d)) return "exists";
    if (from.empty() || from == repo || options_.dry_run) return "";
    return client.mount_blob(repo, d.digest, from) ? "mounted from " + from : "";
  }

  BlobOutcome push_layer(RegistryClient& client, const std::string& repo, const Image& image, size_t i,
                         ManifestFormat format, const KnownLayers& known, size_t progress_id) {
    const auto& layer = image.layers[i];
    const bool converted = format != image.native_format;
    const std::string label = "layer " + std::to_string(i + 1) + "/" + std::to_string(image.layers.size()) + " " +
                              short_digest(layer.descriptor ? layer.descriptor->digest : layer.diff_id);
    const std::string media_type = layer_media_type_for(layer, format, converted);
    if (layer.foreign) {
      Descriptor d = *layer.descriptor;
      d.media_type = media_type;
      progress_.event(label + ": non-distributable (foreign) layer, not uploaded");
      return {d, layer.diff_id, true, true};
    }
    if (layer.remote) {
      // Its bytes are a blob in a repository of this registry already (a stream handed them there).
      const RegistryBlob& remote = *layer.remote;
      Descriptor d = remote.blob;
      d.media_type = media_type;
      if (options_.dry_run) return {d, layer.diff_id, present(client, repo, d), false};
      if ((remote.registry != client.host() || remote.repository != repo) &&
          present_or_mounted(client, repo, d, remote.registry == client.host() ? remote.repository : "").empty())
        throw Error("registry would not mount " + d.digest.str() + " from " + remote.repository + " into " + repo +
                    ", and a stream cannot be read twice: push this bundle from an uncompressed file");
      return {d, layer.diff_id, false, false};
    }
    if (!layer.bytes) throw Error(layer.name + " was read from a stream without being uploaded");
    progress_.start(progress_id, label, layer.stored_size());
    auto on_progress = [&](uint64_t done) { progress_.advance(progress_id, done); };

    if (layer.stored_compression != LayerCompression::None) {
      Descriptor d;
      if (layer.descriptor) {
        d = *layer.descriptor;
      } else {
        // A docker save with compressed layers: learn the digest, and check the diff_id, in one read.
        auto digests = digest_compressed_layer(*layer.bytes, layer.stored_compression, on_progress, stop_flag());
        check_diff_id(image, i, digests.uncompressed);
        d = {"", digests.stored, layer.stored_size(), {}, {}};
      }
      d.media_type = media_type;
      return upload_verbatim(client, repo, layer, d, progress_id, on_progress);
    }

    for (const auto& candidate : candidates_for(client, layer.diff_id, known)) {
      Descriptor d{media_type, candidate.descriptor.digest, candidate.descriptor.size, {}, {}};
      std::string how = present_or_mounted(client, repo, d, candidate.repository);
      if (how.empty()) continue;  // a stale hint: the registry does not have it (any more)
      verify_unchanged_layer(image, i, on_progress);
      remember(client, repo, layer.diff_id, d);
      progress_.finish(progress_id, how + " as " + short_digest(d.digest) + ", skipped");
      return {d, layer.diff_id, true, false};
    }
    // A retry compresses again from the source (only the current chunk is kept in memory), unless the
    // blob is found complete (a lost answer to the PUT).
    CompressedDigests digests;
    CompressionTurn turn(compression_turns_);
    with_blob_retries(client, label, [&](bool retrying) {
      if (retrying && digests.compressed_size &&
          present(client, repo, {media_type, digests.compressed, digests.compressed_size, {}, {}}))
        return;
      std::unique_ptr<ChunkedUpload> upload;
      if (!options_.dry_run) upload = std::make_unique<ChunkedUpload>(client, repo, options_.chunk_size, chunk_sending());
      digests = compress_stream(
          options_.codec, reader_of(*layer.bytes), pool_,
          [&](std::string_view bytes) {
            if (upload) upload->write(bytes);
          },
          on_progress, stop_flag(), gzip_window());
      check_diff_id(image, i, digests.uncompressed);  // throwing here cancels the upload session
      if (cache_)
        if (auto identity = layer.bytes->identity()) cache_->record_verified(*identity, layer.diff_id);
      if (layer.descriptor && layer.descriptor->digest != digests.uncompressed)
        throw Error(image.source_name + ": " + layer.name + ": content does not match its digest");
      if (upload) upload->finish(digests.compressed);
    });
    Descriptor d{media_type, digests.compressed, digests.compressed_size, {}, {}};
    if (options_.dry_run) {
      bool exists = present(client, repo, d);
      progress_.finish(progress_id, std::string(exists ? "exists" : "would upload") + " as " + short_digest(d.digest));
      return {d, layer.diff_id, exists, false};
    }
    remember(client, repo, layer.diff_id, d);
    progress_.finish(progress_id, "uploaded " + human_size(d.size) + " as " + short_digest(d.digest));
    return {d, layer.diff_id, false, false};
  }

  // Where this layer's compressed form may already be: what the registry told us, then the local cache
  // (only repositories of this registry: a blob elsewhere cannot be mounted).
  std::vector<KnownLayer> candidates_for(const RegistryClient& client, const Digest& diff_id, const KnownLayers& known) {
    std::vector<KnownLayer> out;
    if (auto it = known.find(diff_id); it != known.end()) out.push_back(it->second);
    if (!cache_) return out;
    auto cached = cache_->lookup(diff_id, options_.codec.cache_key());
    if (!cached) return out;
    const std::string prefix = client.host() + "/";
    std::string from;
    for (const auto& r : cached->repositories)
      if (r.starts_with(prefix)) {
        from = r.substr(prefix.size());
        break;
      }
    out.push_back({cached->descriptor, from});
    return out;
  }

  // The diff_id check for a layer that will not be compressed: skipped when this very file (same device,
  // inode, size and times) was hashed to that diff_id before.
  void verify_unchanged_layer(const Image& image, size_t i, const ProgressCallback& on_progress) {
    const auto& layer = image.layers[i];
    auto identity = layer.bytes->identity();
    if (cache_ && identity && cache_->verified(*identity, layer.diff_id)) return;
    check_diff_id(image, i, hash_source(*layer.bytes, on_progress, stop_flag()));
    if (cache_ && identity) cache_->record_verified(*identity, layer.diff_id);
  }

  void remember(const RegistryClient& client, const std::string& repo, const Digest& diff_id, const Descriptor& d) {
    if (cache_ && !options_.dry_run) cache_->record(diff_id, options_.codec.cache_key(), d, client.host() + "/" + repo);
  }

  // One whole blob upload, tried again from its re-readable source while failures are transient
  // (network, 408/429/5xx, a session the registry dropped). The requests inside draw on the same
  // account (RetryScope), so --retries bounds the blob as a whole: the two levels do not multiply.
  template <typename Attempt>
  void with_blob_retries(RegistryClient& client, const std::string& what, Attempt&& attempt) {
    RetryBudget budget(client.retry_policy());
    RetryScope scope(budget);
    for (bool retrying = false;; retrying = true) {
      try {
        attempt(retrying);
        return;
      } catch (const Error& e) {
        if (!is_transient(e) || stop_requested() || !client.wait_to_retry(budget, what + ": " + e.what())) throw;
      }
    }
  }

  // A blob pushed as it is stored, its digest checked while it streams: a mismatch cancels the session.
  BlobOutcome upload_verbatim(RegistryClient& client, const std::string& repo, const Layer& layer,
                              const Descriptor& d, size_t progress_id, const ProgressCallback& on_progress) {
    if (present(client, repo, d)) {
      progress_.finish(progress_id, "exists, skipped");
      return {d, layer.diff_id, true, false};
    }
    if (options_.dry_run) {
      progress_.finish(progress_id, "would upload " + human_size(d.size));
      return {d, layer.diff_id, false, false};
    }
    with_blob_retries(client, "blob " + short_digest(d.digest), [&](bool retrying) {
      if (retrying && present(client, repo, d)) return;
      ChunkedUpload upload(client, repo, options_.chunk_size);
      Digest actual = hash_source(*layer.bytes, on_progress, stop_flag(), [&](std::string_view b) { upload.write(b); });
      if (actual != d.digest)
        throw Error(layer.bytes->name() + ": content does not match its digest " + d.digest.str() + " (it is " +
                    actual.str() + ")");
      upload.finish(d.digest);
    });
    progress_.finish(progress_id, "uploaded " + human_size(d.size) + " as it is");
    return {d, layer.diff_id, false, false};
  }

 public:
  // A large file of a streamed source, as the stream passes it: uploaded (gzip-compressed when it is
  // not compressed yet) before anything says which layer it is, so it is never read twice.
  StreamedBlob upload_streamed_file(RegistryClient& client, const std::string& repo, const std::string& path,
                                    LayerCompression compression, const ByteReader& read) {
    // A stream cannot be read twice: chunks are resumed, a blob is never started over.
    RetryBudget budget(client.retry_policy());
    RetryScope scope(budget);
    std::unique_ptr<ChunkedUpload> upload;
    if (!options_.dry_run) upload = std::make_unique<ChunkedUpload>(client, repo, options_.chunk_size, chunk_sending());
    auto sink = [&](std::string_view b) {
      if (upload) upload->write(b);
    };
    StreamedBlob blob;
    blob.stored_compression = compression;
    Descriptor delivered;
    uint64_t size = 0;
    if (compression == LayerCompression::None) {
      auto counting = [&](char* buf, size_t len) {
        size_t n = read(buf, len);
        size += n;
        return n;
      };
      auto digests = compress_stream(options_.codec, counting, pool_, sink, nullptr, stop_flag(), gzip_window());
      blob.stored_digest = blob.uncompressed = digests.uncompressed;
      delivered = {"", digests.compressed, digests.compressed_size, {}, {}};
    } else {
      UncompressedDigester digester(compression, path);
      blob.stored_digest = hash_stream(read, nullptr, stop_flag(), [&](std::string_view b) {
        size += b.size();
        digester.update(b);
        sink(b);
      });
      blob.uncompressed = digester.finish();
      delivered = {"", blob.stored_digest, size, {}, {}};
    }
    blob.stored_size = size;
    const LayerCompression delivered_as =
        compression == LayerCompression::None ? options_.codec.compression : compression;
    blob.delivered = RegistryBlob{client.host(), repo, delivered, delivered_as};
    if (upload) upload->finish(delivered.digest);
    progress_.event("streamed " + path + ": " + (options_.dry_run ? "digested " : "uploaded ") +
                    human_size(delivered.size) + " as " + short_digest(delivered.digest));
    return blob;
  }

 private:
  BlobOutcome push_config(RegistryClient& client, const std::string& repo, const Image& image,
                          const std::string& media_type) {
    Descriptor d{media_type, image.config_digest, image.config.size(), {}, {}};
    if (present(client, repo, d)) return {d, std::nullopt, true, false};
    if (!options_.dry_run) {
      client.put_blob(repo, d.digest, image.config);
      progress_.event("config " + short_digest(d.digest) + ": uploaded");
    }
    return {d, std::nullopt, false, false};
  }

  // A manifest must never point at a missing blob: ask the registry for each one first.
  void confirm_present(RegistryClient& client, const std::string& repo, const ManifestResult& result) {
    std::vector<Descriptor> blobs{result.config.descriptor};
    for (const auto& l : result.layers)
      if (!l.foreign) blobs.push_back(l.descriptor);
    run_parallel(
        blobs.size(), options_.jobs,
        [&](size_t i) {
          if (!present(client, repo, blobs[i]))
            throw Error("registry does not hold blob " + blobs[i].digest.str() + " (" +
                        std::to_string(blobs[i].size) + " bytes) after its upload; nothing tagged");
        },
        stop_flag());
  }

  const PushOptions& options_;
  ThreadPool& pool_;
  Progress& progress_;
  std::counting_semaphore<> compression_turns_;
  std::atomic<size_t> next_progress_id_{0};
  std::unique_ptr<DigestCache> cache_;  // null with --no-cache
};

// The artifact (and, with --platform, the one image of an index) that a non --all push sends.
Artifact choose_artifact(const SourceContents& source, const SourceSpec& spec, const PushOptions& options) {
  if (!spec.reference.empty() && !options.image.empty())
    throw UsageError("the source names an image (\"" + spec.reference + "\"); --image cannot also");
  Artifact artifact = source.artifacts[select_artifact(source, options.image.empty() ? spec.reference : options.image)];
  if (!options.platform || !artifact.index) return artifact;
  Platform wanted = Platform::parse(*options.platform);
  std::string available;
  for (const auto& child : artifact.index->children) {
    if (child.platform && child.platform->matches(wanted)) {
      Artifact chosen = child;
      chosen.names = artifact.names;
      chosen.tags = artifact.tags;
      return chosen;
    }
    available += (available.empty() ? "" : ", ") + (child.platform ? child.platform->str() : std::string("?"));
  }
  throw Error(source.name + ": no image for platform " + wanted.str() + " (it has " + available + ")");
}

struct Job {
  const Artifact* artifact;
  PushTarget target;
};

}  // namespace

PushResult run_push(const PushOptions& options, Progress& progress, const HttpLogger& http_log) {
  try {
    if (options.platform) Platform::parse(*options.platform);  // a usage error before any work
    SourceSpec spec = parse_source_spec(options.source);

    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    ThreadPool pool(threads);
    CurlHttpClient http(options.connection.tls, http_log, options.connection.timeouts, &stop_flag());
    ArtifactPusher pusher(options, pool, progress);
    auto connect = [&](const std::string& registry, const std::string& api_host, const std::string& repository) {
      return connect_registry(options.connection, http, registry, api_host, repository,
                              options.dry_run ? Access::Pull : Access::Push,
                              [&progress](const std::string& line) { progress.event(line); });
    };

    SourceContents source;
    if (is_stream_source(spec)) {
      // Layers go up as the stream passes, so the repository must be known before the first byte.
      // With --all the prefix repository holds them, and each image's repository mounts them from it.
      if (options.target.empty())
        throw UsageError("a compressed tarball or standard input is read as a stream: give TARGET (REGISTRY/REPO[:TAG], or the REGISTRY/PREFIX of --all); --registry needs an uncompressed file");
      Reference ref = parse_reference(options.target);
      auto client = connect(ref.registry, ref.api_host(), ref.repository);
      progress.event("streaming " + (spec.path == "-" ? std::string("standard input") : spec.path) + " to " + ref.name());
      source = open_source(spec, [&](const std::string& path, LayerCompression compression, const ByteReader& read) {
        return pusher.upload_streamed_file(*client, ref.repository, path, compression, read);
      });
    } else {
      source = open_source(spec);
    }

    std::vector<Artifact> chosen;
    std::vector<Job> jobs;
    if (options.all) {
      if (!options.image.empty() || !spec.reference.empty()) throw UsageError("--all pushes every image; it takes no --image");
      for (const auto& artifact : source.artifacts)
        for (auto& t : resolve_bundle_targets(options.target, options.registry, options.extra_tags, artifact.names, artifact.tags))
          jobs.push_back({&artifact, std::move(t)});
    } else {
      chosen.push_back(choose_artifact(source, spec, options));
      for (auto& t : resolve_push_targets(options.target, options.registry, options.extra_tags, chosen[0].names, chosen[0].tags))
        jobs.push_back({&chosen[0], std::move(t)});
    }

    PushResult result;
    result.dry_run = options.dry_run;
    KnownLayers pushed_before;  // layers this run already compressed, by diff_id
    for (const auto& job : jobs) {
      const auto& target = job.target;
      auto client_ptr = connect(target.registry, target.api_host, target.repository);
      RegistryClient& client = *client_ptr;
      progress.event(std::string(options.dry_run ? "planning push of " : "pushing ") + options.source + " to " +
                     target.name() + " (" + client.base_url() + ")");
      KnownLayers known;
      if (!target.tags.empty())
        known = layers_known_by_registry(client, target.repository, target.tags.front(), options.codec.compression);
      for (const auto& ref_text : options.cache_from) {
        Reference ref = parse_reference(ref_text);
        if (ref.api_host() != target.api_host) {
          progress.event("--cache-from " + ref_text + ": another registry than " + target.registry + ", not used");
          continue;
        }
        known.merge(layers_known_by_registry(client, ref.repository, ref.digest ? *ref.digest : ref.tag.value_or("latest"),
                                             options.codec.compression));
      }
      known.insert(pushed_before.begin(), pushed_before.end());
      auto built = pusher.push(client, target.repository, *job.artifact, known);
      if (target.digest && *target.digest != built.result.digest.str())
        throw Error("the manifest's digest is " + built.result.digest.str() + ", not the " + *target.digest +
                    " that the target names; nothing tagged");
      if (!options.dry_run) pusher.put_tags(client, target, built);
      pushed_before.insert(known.begin(), known.end());
      result.repositories.push_back({target.name(), target.tags, std::move(built.result)});
    }
    return result;
  } catch (const Interrupted&) {
    throw;
  } catch (const Error&) {
    if (stop_was_signalled()) throw Interrupted();
    throw;
  }
}

}  // namespace ocipush
