#include "oci_push/transfer/artifact_push.h"

#include <memory>
#include <optional>

#include "oci_push/transfer/publish.h"
#include "oci_push/util/error.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

BuiltManifest ArtifactPusher::push(ProbedSink& to, const std::string& repo, const Artifact& artifact,
                                   KnownLayers& known) {
  return artifact.image ? push_image_manifest(to, repo, *artifact.image, known)
                        : push_index(to, repo, *artifact.index, known);
}

// Layers go `kSmallRequestJobs` at a time, so small ones are not held up behind each other's round
// trips; big ones still take one of the --jobs places on the wire, and compress in one of the pool's.
BuiltManifest ArtifactPusher::push_image_manifest(ProbedSink& to, const std::string& repo, const Image& image,
                                                  KnownLayers& known) {
  const PushOptions& options = context_.options;
  const ManifestFormat format = format_for(image, options.format, options.codec);
  const bool converted = format != image.native_format;
  const unsigned width = std::max(options.jobs, kSmallRequestJobs);
  // The config goes once every layer's bytes are made and checked (a bad layer leaves no blob behind),
  // beside the last uploads instead of a round trip or two after them.
  const std::string config_type = converted ? std::string(config_media_type(format)) : image.config_media_type;
  const size_t n = image.layers.size();
  auto checked = std::make_unique<std::atomic<bool>[]>(n);
  std::atomic<size_t> unchecked{n};
  std::optional<BlobOutcome> config;
  ManifestResult result;
  result.layers.resize(n);
  const size_t first_id = next_progress_id_.fetch_add(n);
  // The HEADs go beside the layers: a layer whose digest is not known yet (it is being compressed) needs
  // no answer and starts its upload at once; one that needs an answer waits for its HEAD. One stop
  // flag for all: the first failure ends the others, and is the one reported. (Declared after what its
  // tasks use, so that it joins them before any of it goes.)
  TaskGroup beside(context_.stop);
  beside.spawn([&, blobs = layers_.blobs_to_probe(to, image, known)] { to.prefetch(repo, blobs, width, context_.stop); });
  auto layer_checked = [&](size_t i) {
    if (checked[i].exchange(true) || unchecked.fetch_sub(1) != 1) return;
    beside.spawn([&] { config = layers_.push_config(to, repo, image, config_type); });
  };
  beside.run_here([&] {
    run_parallel(
        n, width,
        [&](size_t i) {
          LayerJob job{image,       i, layer_media_type_for(image.layers[i], format, converted, options.codec),
                       first_id + i, [&, i] { layer_checked(i); }};
          result.layers[i] = layers_.push_layer(to, repo, job, known);
          layer_checked(i);
        },
        context_.stop);
  });
  beside.wait();
  for (size_t i = 0; i < n; ++i)
    if (image.layers[i].stored_compression == LayerCompression::None)
      known.emplace(image.layers[i].diff_id, KnownLayer{result.layers[i].descriptor, repo});
  result.config = config ? *config : layers_.push_config(to, repo, image, config_type);
  return build_image_manifest(image, format, std::move(result));
}

BuiltManifest ArtifactPusher::push_index(ProbedSink& to, const std::string& repo, const Index& index,
                                         KnownLayers& known) {
  const PushOptions& options = context_.options;
  std::vector<BuiltManifest> children;
  for (const auto& child : index.children) {
    if (context_.stop.load()) throw Interrupted();
    auto child_built = push(to, repo, child, known);
    child_built.result.platform = child.platform;
    if (!options.dry_run) put_child(to, repo, child, child_built, known);
    context_.progress.event("manifest " + short_digest(child_built.result.digest) +
                            (child.platform ? " (" + child.platform->str() + ")" : "") +
                            (options.dry_run ? ": planned" : ": stored"));
    children.push_back(std::move(child_built));
  }
  return build_index(index, options.format ? index_media_type(*options.format) : index.media_type, std::move(children));
}

void ArtifactPusher::put_child(ProbedSink& to, const std::string& repo, const Artifact& child,
                               const BuiltManifest& built, KnownLayers& known) {
  try {
    put_manifest_checked(to.sink(), repo, built.result.digest.str(), built);
  } catch (const ManifestBlobUnknown& e) {
    context_.progress.event(std::string(e.what()) + "; checking its blobs again");
    to.forget();
    push(to, repo, child, known);
    put_manifest_checked(to.sink(), repo, built.result.digest.str(), built);
  }
}

void ArtifactPusher::tag(ProbedSink& to, const PushTarget& target, const Artifact& artifact, const BuiltManifest& built,
                         KnownLayers& known) {
  try {
    put_tags(to.sink(), target, built, context_.progress, context_.stop);
  } catch (const ManifestBlobUnknown& e) {
    context_.progress.event(std::string(e.what()) + "; checking its blobs again");
    to.forget();
    auto again = push(to, target.repository, artifact, known);
    if (again.result.digest != built.result.digest)
      throw Error("the image pushed again has digest " + again.result.digest.str() + ", not " +
                  built.result.digest.str() + "; nothing tagged");
    put_tags(to.sink(), target, built, context_.progress, context_.stop);
  }
}

}  // namespace ocipush
