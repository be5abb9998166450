// One artifact (an image, or an index and every image below it) into one repository of a sink: what
// the sink holds asked up front, layers in parallel, config, child manifests by digest; the top
// document is returned for the caller to tag.
#pragma once
#include <atomic>
#include <cstddef>
#include <string>

#include "oci_push/model/image.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/image_plan.h"
#include "oci_push/transfer/known_layers.h"
#include "oci_push/transfer/layer_push.h"
#include "oci_push/transfer/probed_sink.h"
#include "oci_push/transfer/push_context.h"

namespace ocipush {

class ArtifactPusher {
 public:
  explicit ArtifactPusher(PushContext& context) : context_(context), layers_(context) {}

  // Pushes every blob (and every manifest below the top, by digest); `known` gains the layers this
  // push compressed. Nothing is tagged.
  BuiltManifest push(ProbedSink& to, const std::string& repo, const Artifact& artifact, KnownLayers& known);
  // Stores `built` (the result of push) under each of the target's tags. A sink that refuses it for a
  // blob it lost since it said it held it gets the artifact's missing blobs again, then the tags.
  void tag(ProbedSink& to, const PushTarget& target, const Artifact& artifact, const BuiltManifest& built,
           KnownLayers& known);

 private:
  BuiltManifest push_image_manifest(ProbedSink& to, const std::string& repo, const Image& image, KnownLayers& known);
  BuiltManifest push_index(ProbedSink& to, const std::string& repo, const Index& index, KnownLayers& known);
  // Stores a child manifest by digest, with the same repair as tag().
  void put_child(ProbedSink& to, const std::string& repo, const Artifact& child, const BuiltManifest& built,
                 KnownLayers& known);

  PushContext& context_;
  LayerPusher layers_;
  std::atomic<size_t> next_progress_id_{0};
};

}  // namespace ocipush
