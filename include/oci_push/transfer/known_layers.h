// What the sink already holds, by diff_id: learned from the target tag's image and --cache-from
// images, so a runner with no local state skips compressing layers the registry has.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "oci_push/model/digest.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/model/manifest.h"
#include "oci_push/transfer/push.h"
#include "oci_push/transfer/push_target.h"
#include "oci_push/util/progress.h"

namespace ocipush {

// A compressed layer the sink already holds, and in which repository.
struct KnownLayer {
  Descriptor descriptor;
  std::string repository;
};
using KnownLayers = std::map<Digest, KnownLayer>;

// Pure. Pairs an image's config diff_ids with its manifest's layers. Layers pair only when the counts
// agree and the layer was compressed with `codec` (anything else would change the pushed digests);
// foreign layers never pair.
KnownLayers pair_known_layers(const ImageManifest& manifest, const std::vector<Digest>& diff_ids,
                              const std::string& repository, LayerCompression codec);

// What `repository`:`reference` in the sink holds; empty for an index, an image that cannot be paired,
// or none at all (nothing wrong then). Network failures are thrown.
KnownLayers layers_known_by(ImageSink& sink, const std::string& repository, const std::string& reference,
                            LayerCompression codec);

// The target's first tag, then each --cache-from image of the same registry (others are skipped, with
// a progress line saying so).
KnownLayers layers_known_for(ImageSink& sink, const PushTarget& target, const PushOptions& options, Progress& progress);

}  // namespace ocipush
