// What a push runs with, handed in from outside (never built inside transfer), so that unit tests run
// whole pushes: the options, the compression pool, progress, the digest cache and the stop flag.
#pragma once
#include <atomic>

#include "oci_push/transfer/blob_placements.h"
#include "oci_push/transfer/digest_cache.h"
#include "oci_push/transfer/push.h"
#include "oci_push/util/progress.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

struct PushContext {
  const PushOptions& options;
  ThreadPool& pool;
  Progress& progress;
  DigestCache* cache;       // null with --no-cache
  std::atomic<bool>& stop;  // polled by every stage; the first failure of a parallel stage sets it
  // Shared by the pushes of one run into several repositories of a registry (copy --from-file): a blob
  // is sent once and mounted by the others. Null: each push on its own.
  BlobPlacements* placements = nullptr;
};

// "sha256:0123456789ab": a digest as progress lines show it.
std::string short_digest(const Digest& digest);

}  // namespace ocipush
