// Per-layer streaming: read (pread) -> SHA-256 of the tar -> parallel gzip blocks -> SHA-256 of the
// gzip -> chunked upload, with a bounded window of blocks in flight and nothing written to disk.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <string_view>

#include "oci_push/byte_source.h"
#include "oci_push/digest.h"
#include "oci_push/registry_client.h"
#include "oci_push/thread_pool.h"

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

// How a ChunkedUpload's full chunks leave. Inline: on the writing thread, each write that fills a chunk
// waiting for the registry's answer. Background: on a thread of their own, so the writer (a compressor)
// fills the next chunk while the registry takes the last one in; one more chunk of memory.
enum class ChunkSending { Inline, Background };

// A blob upload session fed with bytes as they are produced: PATCH chunks of exactly `chunk_size`
// bytes (the last one shorter), PUT ?digest= at the end. A session not finished is
// cancelled (DELETE) when the object goes away, so an error leaves nothing half-written.
// A chunk that fails (network, 408/429/5xx) is resumed: after a wait, GET on the session says how
// much the registry holds and the rest of the chunk is sent; a Range below what the registry already
// acknowledged (ECR's stops advancing) is not believed. Only the current chunk is kept, so a session
// the registry no longer knows, or a Range past the chunk, throws TransientError: the caller starts
// the blob over. Retries draw on RetryScope::current() (the writer's, also for background sends),
// else on the upload's own account. A background send's error is thrown by the next write or finish.
class ChunkedUpload {
 public:
  ChunkedUpload(RegistryClient& client, std::string repo, size_t chunk_size,
                ChunkSending sending = ChunkSending::Inline);
  ~ChunkedUpload();
  ChunkedUpload(const ChunkedUpload&) = delete;
  ChunkedUpload& operator=(const ChunkedUpload&) = delete;

  void write(std::string_view data);
  void finish(const Digest& digest);
  uint64_t bytes_sent() const { return offset_; }  // after finish

 private:
  void send(std::string_view chunk);  // one chunk, resumed after transient failures
  void wait_for_background();         // the chunk in flight; rethrows its error

  RegistryClient& client_;
  std::string repo_;
  size_t chunk_size_;
  ChunkSending sending_;
  RetryBudget own_budget_;
  std::string url_;
  std::string buffer_;     // what write() has been given and not yet sent
  std::string in_flight_;  // Background: the chunk being sent
  std::future<void> background_;
  uint64_t offset_ = 0;
  bool finished_ = false;
};

}  // namespace ocipush
