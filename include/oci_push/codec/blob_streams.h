// Byte streams through hashing and compression: read (pread) -> SHA-256 of the tar -> parallel gzip
// blocks -> SHA-256 of the gzip -> a sink, with a bounded window of blocks in flight, nothing on disk.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <string_view>

#include "oci_push/io/byte_source.h"
#include "oci_push/model/digest.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

struct CompressedDigests {
  Digest uncompressed;  // the diff_id the bytes really have
  Digest compressed;
  uint64_t compressed_size = 0;
};

using ByteSink = std::function<void(std::string_view)>;
using ProgressCallback = std::function<void(uint64_t bytes_read)>;
// Sequential bytes: fills up to `len` of `buf`, fewer only at the end (0 then).
using ByteReader = std::function<size_t(char* buf, size_t len)>;

// `source` front to back; throws Error naming it if it holds fewer bytes than its size says.
ByteReader reader_of(const ByteSource& source);

// Gzips what `read` gives, block by block, on `pool` (bytes independent of the pool size), handing the output to
// `sink` in order. Throws Interrupted when `stop` becomes true.
// `max_blocks`: blocks of this layer in flight at once (0: enough for the whole pool, 2 x threads + 1). With
// several layers pushed at once the caller divides the pool's share, so memory does not grow with --jobs.
CompressedDigests gzip_stream(const ByteReader& read, ThreadPool& pool, int level, const ByteSink& sink,
                              const ProgressCallback& progress, const std::atomic<bool>& stop, size_t max_blocks = 0);

// SHA-256 of everything `read` gives, also handed to `sink` when there is one.
Digest hash_stream(const ByteReader& read, const ProgressCallback& progress, const std::atomic<bool>& stop,
                   const ByteSink& sink = nullptr);
// The same over a whole source, read in large blocks.
Digest hash_source(const ByteSource& source, const ProgressCallback& progress, const std::atomic<bool>& stop,
                   const ByteSink& sink = nullptr);
// SHA-256 of a blob whose first bytes an end holds already (`held`, read back, not sent again) and
// whose whole is `whole`: only the bytes after `held` are handed to `sink` (read from `whole` there on).
Digest hash_continued(const ByteSource& held, const ByteSource& whole, const ProgressCallback& progress,
                      const std::atomic<bool>& stop, const ByteSink& sink);

}  // namespace ocipush
