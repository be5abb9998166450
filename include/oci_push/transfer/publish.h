// The last steps of a push: manifests (children by digest before their index), then tags. Every blob
// was confirmed on its way (a HEAD that found it, a mount, an upload the sink acknowledged), and a sink
// refuses a manifest whose blobs it lacks, so a tag never points at an incomplete image.
#pragma once
#include <atomic>
#include <string>

#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/image_plan.h"
#include "oci_push/transfer/push_target.h"
#include "oci_push/util/progress.h"

namespace ocipush {

// Stores `built` under `reference`; throws Error when the sink says it stored other bytes.
void put_manifest_checked(ImageSink& sink, const std::string& repository, const std::string& reference,
                          const BuiltManifest& built);

// Stores `built` under each of the target's tags (by its digest when there are none), one progress
// line each.
void put_tags(ImageSink& sink, const PushTarget& target, const BuiltManifest& built, Progress& progress,
              const std::atomic<bool>& stop);

}  // namespace ocipush
