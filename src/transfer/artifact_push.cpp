#include "oci_push/transfer/artifact_push.h"

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
  to.prefetch(repo, layers_.blobs_to_probe(to, image, known), width, context_.stop);
  ManifestResult result;
  result.layers.resize(image.layers.size());
  const size_t first_id = next_progress_id_.fetch_add(image.layers.size());
  run_parallel(
      image.layers.size(), width,
      [&](size_t i) {
        LayerJob job{image, i, layer_media_type_for(image.layers[i], format, converted, options.codec), first_id + i};
        result.layers[i] = layers_.push_layer(to, repo, job, known);
      },
      context_.stop);
  for (size_t i = 0; i < image.layers.size(); ++i)
    if (image.layers[i].stored_compression == LayerCompression::None)
      known.emplace(image.layers[i].diff_id, KnownLayer{result.layers[i].descriptor, repo});
  result.config = layers_.push_config(to, repo, image,
                                      converted ? std::string(config_media_type(format)) : image.config_media_type);
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
