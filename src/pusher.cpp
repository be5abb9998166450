#include "oci_push/pusher.h"

#include <map>
#include <memory>
#include <thread>

#include "oci_push/blob_pipeline.h"
#include "oci_push/curl_http_client.h"
#include "oci_push/docker_archive.h"
#include "oci_push/error.h"
#include "oci_push/file_source.h"
#include "oci_push/image_config.h"
#include "oci_push/push_target.h"
#include "oci_push/registry_client.h"
#include "oci_push/thread_pool.h"

namespace ocipush {

namespace {

constexpr size_t kMaxRemoteConfig = 16 << 20;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_signalled{false};

std::string short_digest(const Digest& d) { return d.algorithm + ":" + d.hex.substr(0, 12); }

// What the registry already holds under the target's tag: diff_id -> gzip layer descriptor, learned by
// pairing the tag's config rootfs.diff_ids with its manifest's layers. This lets a runner with no local
// state skip compressing layers the registry has. Only gzip layers pair: that is what we would push.
std::map<Digest, Descriptor> layers_known_by_registry(RegistryClient& client, const PushTarget& target) {
  std::map<Digest, Descriptor> known;
  if (target.tags.empty()) return known;
  auto fetched = client.get_manifest(target.repository, target.tags.front());
  if (!fetched) return known;
  ImageManifest manifest;
  std::vector<Digest> diff_ids;
  try {
    manifest = parse_image_manifest(fetched->body, target.name() + ":" + target.tags.front());
    diff_ids = parse_diff_ids(client.get_blob(target.repository, manifest.config.digest, kMaxRemoteConfig),
                              target.name() + " config " + manifest.config.digest.str());
  } catch (const NetworkError&) {
    throw;
  } catch (const Error&) {
    return known;  // an index, or an image we cannot pair: nothing to reuse, nothing wrong
  }
  if (diff_ids.size() != manifest.layers.size()) return known;
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    try {
      if (compression_of_layer_media_type(manifest.layers[i].media_type) == LayerCompression::Gzip)
        known.emplace(diff_ids[i], manifest.layers[i]);
    } catch (const Error&) {
    }
  }
  return known;
}

class ImagePusher {
 public:
  ImagePusher(const PushOptions& options, const LocalImage& image, ThreadPool& pool, Progress& progress)
      : options_(options), image_(image), pool_(pool), progress_(progress),
        format_(options.format.value_or(image.native_format)) {}

  RepositoryResult push(RegistryClient& client, const PushTarget& target, std::map<Digest, Descriptor> known) {
    RepositoryResult result;
    result.name = target.name();
    result.tags = target.tags;
    result.layers.resize(image_.layers.size());
    run_parallel(
        image_.layers.size(), options_.jobs,
        [&](size_t i) {
          auto it = known.find(image_.layers[i].diff_id);
          result.layers[i] = push_layer(client, target.repository, i,
                                        it == known.end() ? std::nullopt : std::optional<Descriptor>(it->second));
        },
        g_stop);
    result.config = push_config(client, target.repository);

    ImageManifest manifest{format_, result.config.descriptor, {}};
    for (const auto& l : result.layers) manifest.layers.push_back(l.descriptor);
    std::string body = serialize_manifest(manifest);
    result.manifest_digest = sha256_of(body);
    result.manifest_media_type = std::string(manifest_media_type(format_));
    if (target.digest && *target.digest != result.manifest_digest.str())
      throw Error("the manifest's digest is " + result.manifest_digest.str() + ", not the " + *target.digest +
                  " that the target names; nothing tagged");
    if (options_.dry_run) return result;

    confirm_present(client, target.repository, result);
    std::vector<std::string> references = target.tags;
    if (references.empty()) references.push_back(result.manifest_digest.str());
    for (const auto& ref : references) {
      if (g_stop.load()) throw Interrupted();
      auto reported = client.put_manifest(target.repository, ref, result.manifest_media_type, body);
      if (reported && *reported != result.manifest_digest.str())
        throw Error("registry stored manifest " + target.name() + ":" + ref + " as " + *reported + ", not as the " +
                    result.manifest_digest.str() + " we sent");
      progress_.event("tagged " + target.name() + ":" + ref + " -> " + result.manifest_digest.str());
    }
    return result;
  }

 private:
  void check_diff_id(size_t i, const Digest& actual) const {
    const auto& layer = image_.layers[i];
    if (actual != layer.diff_id)
      throw Error(image_.source_name + ": layer " + std::to_string(i + 1) + " \"" + layer.name + "\" has digest " +
                  actual.str() + " but the config's rootfs.diff_ids[" + std::to_string(i) + "] says " +
                  layer.diff_id.str());
  }

  BlobOutcome push_layer(RegistryClient& client, const std::string& repo, size_t i,
                         const std::optional<Descriptor>& known) {
    const auto& layer = image_.layers[i];
    if (layer.stored_compression != LayerCompression::None)
      throw Error(image_.source_name + ": layer \"" + layer.name +
                  "\" is stored compressed; only uncompressed docker-save layers are supported so far");
    const std::string label = "layer " + std::to_string(i + 1) + "/" + std::to_string(image_.layers.size()) + " " +
                              short_digest(layer.diff_id);
    progress_.start(i, label, layer.bytes->size());
    auto on_progress = [&](uint64_t done) { progress_.advance(i, done); };

    if (known) {
      auto size = client.blob_size(repo, known->digest);
      if (size && *size == known->size) {
        check_diff_id(i, hash_source(*layer.bytes, on_progress, g_stop));
        Descriptor d{std::string(layer_media_type(format_, LayerCompression::Gzip)), known->digest, known->size};
        progress_.finish(i, "exists as " + short_digest(d.digest) + ", skipped");
        return {d, layer.diff_id, true};
      }
    }

    std::unique_ptr<ChunkedUpload> upload;
    if (!options_.dry_run) upload = std::make_unique<ChunkedUpload>(client, repo, options_.chunk_size);
    auto digests = gzip_stream(
        *layer.bytes, pool_, options_.gzip_level,
        [&](std::string_view bytes) {
          if (upload) upload->write(bytes);
        },
        on_progress, g_stop);
    check_diff_id(i, digests.uncompressed);  // throwing here cancels the upload session
    Descriptor d{std::string(layer_media_type(format_, LayerCompression::Gzip)), digests.compressed,
                 digests.compressed_size};
    if (options_.dry_run) {
      auto size = client.blob_size(repo, d.digest);
      bool exists = size && *size == d.size;
      progress_.finish(i, std::string(exists ? "exists" : "would upload") + " as " + short_digest(d.digest));
      return {d, layer.diff_id, exists};
    }
    upload->finish(d.digest);
    progress_.finish(i, "uploaded " + human_size(d.size) + " as " + short_digest(d.digest));
    return {d, layer.diff_id, false};
  }

  BlobOutcome push_config(RegistryClient& client, const std::string& repo) {
    Descriptor d{std::string(config_media_type(format_)), image_.config_digest, image_.config.size()};
    auto size = client.blob_size(repo, d.digest);
    if (size && *size == d.size) return {d, std::nullopt, true};
    if (!options_.dry_run) {
      client.put_blob(repo, d.digest, image_.config);
      progress_.event("config " + short_digest(d.digest) + ": uploaded");
    }
    return {d, std::nullopt, false};
  }

  // A tag must never point at an image with a missing blob: ask the registry for each one first.
  void confirm_present(RegistryClient& client, const std::string& repo, const RepositoryResult& result) {
    std::vector<Descriptor> blobs{result.config.descriptor};
    for (const auto& l : result.layers) blobs.push_back(l.descriptor);
    run_parallel(
        blobs.size(), options_.jobs,
        [&](size_t i) {
          auto size = client.blob_size(repo, blobs[i].digest);
          if (!size || *size != blobs[i].size)
            throw Error("registry does not hold blob " + blobs[i].digest.str() + " (" +
                        std::to_string(blobs[i].size) + " bytes) after its upload; nothing tagged");
        },
        g_stop);
  }

  const PushOptions& options_;
  const LocalImage& image_;
  ThreadPool& pool_;
  Progress& progress_;
  ManifestFormat format_;
};

LocalImage load_image(const PushOptions& options) {
  auto file = std::make_shared<FileSource>(options.source);
  DockerArchive archive(file);
  return archive.load(select_archive_image(archive.entries(), options.image, options.source));
}

}  // namespace

void request_stop() noexcept {
  g_signalled.store(true);
  g_stop.store(true);
}

PushResult push_image(const PushOptions& options, Progress& progress, const HttpLogger& http_log) {
  try {
    LocalImage image = load_image(options);
    auto targets = resolve_push_targets(options.target, options.registry, options.extra_tags, image.repo_tags);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    ThreadPool pool(threads);
    CurlHttpClient http(options.tls, http_log);
    ImagePusher pusher(options, image, pool, progress);

    PushResult result;
    result.dry_run = options.dry_run;
    std::map<Digest, Descriptor> pushed_before;  // layers a previous target of this run already pushed
    for (const auto& target : targets) {
      RegistryOptions registry_options;
      registry_options.plain_http = options.plain_http;
      registry_options.credentials = resolve_credentials(target.registry, options.auth, http);
      registry_options.actions = options.dry_run ? "pull" : "pull,push";
      RegistryClient client(http, target.api_host, registry_options);
      client.ping();
      if (!options.dry_run) prepare_repository(target.registry, target.repository, options.auth, http);
      progress.event(std::string(options.dry_run ? "planning push of " : "pushing ") + options.source + " to " +
                     target.name() + " (" + client.base_url() + ")");
      auto known = layers_known_by_registry(client, target);
      known.insert(pushed_before.begin(), pushed_before.end());
      result.repositories.push_back(pusher.push(client, target, std::move(known)));
      for (const auto& l : result.repositories.back().layers) pushed_before.emplace(*l.diff_id, l.descriptor);
    }
    return result;
  } catch (const Interrupted&) {
    throw;
  } catch (const Error&) {
    if (g_signalled.load()) throw Interrupted();
    throw;
  }
}

}  // namespace ocipush
