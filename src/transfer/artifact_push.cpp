#include "oci_push/transfer/artifact_push.h"

#include "oci_push/transfer/publish.h"
#include "oci_push/util/error.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

BuiltManifest ArtifactPusher::push(ImageSink& sink, const std::string& repo, const Artifact& artifact,
                                   KnownLayers& known) {
  return artifact.image ? push_image_manifest(sink, repo, *artifact.image, known)
                        : push_index(sink, repo, *artifact.index, known);
}

BuiltManifest ArtifactPusher::push_image_manifest(ImageSink& sink, const std::string& repo, const Image& image,
                                                  KnownLayers& known) {
  const PushOptions& options = context_.options;
  const ManifestFormat format = format_for(image, options.format, options.codec);
  const bool converted = format != image.native_format;
  ManifestResult result;
  result.layers.resize(image.layers.size());
  const size_t first_id = next_progress_id_.fetch_add(image.layers.size());
  run_parallel(
      image.layers.size(), options.jobs,
      [&](size_t i) {
        LayerJob job{image, i, layer_media_type_for(image.layers[i], format, converted, options.codec), first_id + i};
        result.layers[i] = layers_.push_layer(sink, repo, job, known);
      },
      context_.stop);
  for (size_t i = 0; i < image.layers.size(); ++i)
    if (image.layers[i].stored_compression == LayerCompression::None)
      known.emplace(image.layers[i].diff_id, KnownLayer{result.layers[i].descriptor, repo});
  result.config = layers_.push_config(sink, repo, image,
                                      converted ? std::string(config_media_type(format)) : image.config_media_type);
  BuiltManifest built = build_image_manifest(image, format, std::move(result));
  if (!options.dry_run) confirm_blobs_present(sink, repo, built.result, options.jobs, context_.stop);
  return built;
}

BuiltManifest ArtifactPusher::push_index(ImageSink& sink, const std::string& repo, const Index& index,
                                         KnownLayers& known) {
  const PushOptions& options = context_.options;
  std::vector<BuiltManifest> children;
  for (const auto& child : index.children) {
    if (context_.stop.load()) throw Interrupted();
    auto child_built = push(sink, repo, child, known);
    child_built.result.platform = child.platform;
    if (!options.dry_run) put_manifest_checked(sink, repo, child_built.result.digest.str(), child_built);
    context_.progress.event("manifest " + short_digest(child_built.result.digest) +
                            (child.platform ? " (" + child.platform->str() + ")" : "") +
                            (options.dry_run ? ": planned" : ": pushed"));
    children.push_back(std::move(child_built));
  }
  return build_index(index, options.format ? index_media_type(*options.format) : index.media_type, std::move(children));
}

}  // namespace ocipush
