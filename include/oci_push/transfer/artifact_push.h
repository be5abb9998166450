// One artifact (an image, or an index and every image below it) into one repository of a sink:
// layers in parallel, config, blobs confirmed, child manifests by digest; the top document is returned
// for the caller to tag.
#pragma once
#include <atomic>
#include <cstddef>
#include <string>

#include "oci_push/model/image.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/image_plan.h"
#include "oci_push/transfer/known_layers.h"
#include "oci_push/transfer/layer_push.h"
#include "oci_push/transfer/push_context.h"

namespace ocipush {

class ArtifactPusher {
 public:
  explicit ArtifactPusher(PushContext& context) : context_(context), layers_(context) {}

  // Pushes every blob (and every manifest below the top, by digest); `known` gains the layers this
  // push compressed. Nothing is tagged.
  BuiltManifest push(ImageSink& sink, const std::string& repo, const Artifact& artifact, KnownLayers& known);

 private:
  BuiltManifest push_image_manifest(ImageSink& sink, const std::string& repo, const Image& image, KnownLayers& known);
  BuiltManifest push_index(ImageSink& sink, const std::string& repo, const Index& index, KnownLayers& known);

  PushContext& context_;
  LayerPusher layers_;
  std::atomic<size_t> next_progress_id_{0};
};

}  // namespace ocipush
