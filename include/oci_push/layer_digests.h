// Digests of a layer stored compressed: of its bytes (what the registry sees) and of the tar inside
// (the config's diff_id), in one read.
#pragma once
#include <atomic>

#include "oci_push/blob_pipeline.h"
#include "oci_push/byte_source.h"
#include "oci_push/digest.h"
#include "oci_push/manifest.h"

namespace ocipush {

struct StoredLayerDigests {
  Digest stored;        // sha256 of the bytes as they are
  Digest uncompressed;  // sha256 after gunzip / zstd -d
};

// Throws Error naming the source when the data is not valid gzip / zstd (or is truncated).
StoredLayerDigests digest_compressed_layer(const ByteSource& source, LayerCompression compression,
                                           const ProgressCallback& progress, const std::atomic<bool>& stop);

}  // namespace ocipush
