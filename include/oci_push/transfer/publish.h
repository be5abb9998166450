// The last steps of a push, in their order: every blob confirmed, then manifests (children by digest
// before their index), then tags. A tag never points at an image whose blobs are not all there.
#pragma once
#include <atomic>
#include <string>

#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/image_plan.h"
#include "oci_push/transfer/push_target.h"
#include "oci_push/util/progress.h"

namespace ocipush {

// Asks the sink for each blob of `result` (config and layers, foreign ones excepted), `jobs` at a
// time. Throws Error naming the first one missing: nothing is tagged then.
void confirm_blobs_present(ImageSink& sink, const std::string& repository, const ManifestResult& result, unsigned jobs,
                           std::atomic<bool>& stop);

// Stores `built` under `reference`; throws Error when the sink says it stored other bytes.
void put_manifest_checked(ImageSink& sink, const std::string& repository, const std::string& reference,
                          const BuiltManifest& built);

// Stores `built` under each of the target's tags (by its digest when there are none), one progress
// line each.
void put_tags(ImageSink& sink, const PushTarget& target, const BuiltManifest& built, Progress& progress,
              const std::atomic<bool>& stop);

}  // namespace ocipush
