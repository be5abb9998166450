// How uncompressed layers are compressed for the registry (--compression): the codec, its level, and the
// streaming compressors behind them. Each gives the same bytes for any thread count.
#pragma once
#include <atomic>
#include <string>
#include <string_view>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/model/manifest.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

struct LayerCodec {
  LayerCompression compression = LayerCompression::Gzip;
  int level = 1;

  // "gzip", "gzip:2", "zstd", "zstd:9", "none"; throws UsageError naming what is wrong.
  static LayerCodec parse(std::string_view text);
  // Names everything that decides the bytes (codec, level, block or job size, format version): the
  // digest cache keys on it, so a change here is a new key, never a wrong hit.
  std::string cache_key() const;
  std::string str() const;  // "gzip:1"
};

inline constexpr int kZstdDefaultLevel = 3;
// zstd's multi-threaded mode cuts the input into jobs of this size whatever the worker count, which is
// what makes its output independent of --threads. Changing it changes every zstd layer digest.
inline constexpr size_t kZstdJobSize = 1 << 20;

// zstd in multi-threaded mode (workers = pool.size(), at least 1) with a pinned job size.
CompressedDigests zstd_stream(const ByteReader& read, unsigned workers, int level, const ByteSink& sink,
                              const ProgressCallback& progress, const std::atomic<bool>& stop);

// Compresses with `codec` (gzip: block-parallel on `pool`; zstd: its own workers; none: as it is).
CompressedDigests compress_stream(const LayerCodec& codec, const ByteReader& read, ThreadPool& pool,
                                  const ByteSink& sink, const ProgressCallback& progress, const std::atomic<bool>& stop,
                                  size_t gzip_window = 0);

}  // namespace ocipush
