// Digests of a layer stored compressed: of its bytes (what the registry sees) and of the tar inside
// (the config's diff_id), in one read.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/io/byte_source.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// Fed gzip or zstd bytes in order (any chunking), gives the SHA-256 of what they decompress to.
class UncompressedDigester {
 public:
  UncompressedDigester(LayerCompression compression, std::string name);
  ~UncompressedDigester();
  UncompressedDigester(const UncompressedDigester&) = delete;
  UncompressedDigester& operator=(const UncompressedDigester&) = delete;
  // Throws Error naming `name` when the data is not valid gzip / zstd.
  void update(std::string_view compressed);
  // Throws Error naming `name` when the data ended mid-stream.
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct StoredLayerDigests {
  Digest stored;        // sha256 of the bytes as they are
  Digest uncompressed;  // sha256 after gunzip / zstd -d
};

StoredLayerDigests digest_compressed_layer(const ByteSource& source, LayerCompression compression,
                                           const ProgressCallback& progress, const std::atomic<bool>& stop);

}  // namespace ocipush
