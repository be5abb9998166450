#include "oci_push/codec/blob_streams.h"

#include <future>
#include <memory>
#include <vector>

#include "oci_push/codec/gzip_blocks.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {
// Large enough that reads and hash updates cost nothing extra per call; small, because with a chunked
// upload as the sink each blob in flight holds one of these besides its chunk.
constexpr size_t kHashBlockSize = 1 << 20;
}  // namespace

ByteReader reader_of(const ByteSource& source) {
  auto offset = std::make_shared<uint64_t>(0);
  return [&source, offset](char* buf, size_t len) -> size_t {
    size_t want = static_cast<size_t>(std::min<uint64_t>(len, source.size() - *offset));
    size_t got = want ? source.read_at(*offset, buf, want) : 0;
    if (got != want) throw Error(source.name() + ": ends early at byte " + std::to_string(*offset + got));
    *offset += got;
    return got;
  };
}

namespace {

// Fills `buf` with up to `size` bytes: fewer only when the reader is at its end.
size_t read_full(const ByteReader& read, char* buf, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    size_t n = read(buf + filled, size - filled);
    if (n == 0) break;
    filled += n;
  }
  return filled;
}

// One block's input and output buffers, reused for the whole layer: no allocation and no zero-fill
// per block, and a layer's memory is fixed by its window, whatever its size.
struct BlockSlot {
  std::unique_ptr<char[]> in = std::make_unique_for_overwrite<char[]>(kGzipBlockSize);
  std::unique_ptr<char[]> out = std::make_unique_for_overwrite<char[]>(deflate_bound(kGzipBlockSize));
  size_t in_size = 0;
  size_t out_size = 0;
  std::future<void> done;
};

// The slots of one layer, in a ring: the window's blocks, then the one read ahead. Compression tasks
// write into them, so the ring waits for every task still running before it goes away (an error or
// an interruption leaves the loop with blocks in flight).
class BlockRing {
 public:
  explicit BlockRing(size_t window) : slots_(window + 1) {}
  ~BlockRing() {
    for (auto& s : slots_)
      if (s.done.valid()) s.done.wait();
  }
  BlockSlot& at(size_t k) { return slots_[(head_ + k) % slots_.size()]; }  // k-th from the oldest
  void pop() { head_ = (head_ + 1) % slots_.size(); }

 private:
  std::vector<BlockSlot> slots_;
  size_t head_ = 0;
};

}  // namespace

CompressedDigests gzip_stream(const ByteReader& read, ThreadPool& pool, int level, const ByteSink& sink,
                              const ProgressCallback& progress, const std::atomic<bool>& stop, size_t max_blocks) {
  // Enough blocks ahead to keep every compression thread busy while this thread uploads.
  const size_t window_size = max_blocks ? max_blocks : 2 * static_cast<size_t>(pool.size()) + 1;
  Sha256 plain_hash, packed_hash;
  uint32_t crc = 0;
  uint64_t total = 0;
  CompressedDigests result;

  auto emit = [&](std::string_view bytes) {
    packed_hash.update(bytes);
    result.compressed_size += bytes.size();
    sink(bytes);
  };
  emit(gzip_header());

  // The last block must carry BFINAL, so one block is read ahead to know whether another follows; it
  // waits in the slot after the window.
  BlockRing ring(window_size);
  size_t in_window = 0;
  bool read_ahead = false;
  bool submitted_last = false;
  uint64_t consumed = 0;
  while (!submitted_last || in_window > 0) {
    while (!submitted_last && in_window < window_size) {
      BlockSlot& block = ring.at(in_window);
      if (!read_ahead) block.in_size = read_full(read, block.in.get(), kGzipBlockSize);
      bool last = block.in_size < kGzipBlockSize;
      read_ahead = false;
      if (!last) {
        BlockSlot& next = ring.at(in_window + 1);
        next.in_size = read_full(read, next.in.get(), kGzipBlockSize);
        last = next.in_size == 0;
        read_ahead = !last;
      }
      plain_hash.update(block.in.get(), block.in_size);
      crc = gzip_crc32(crc, block.in.get(), block.in_size);
      total += block.in_size;
      block.done = pool.submit([&block, last, level] {
        block.out_size =
            deflate_block(block.in.get(), block.in_size, last, level, block.out.get(), deflate_bound(kGzipBlockSize));
      });
      ++in_window;
      submitted_last = last;
    }
    if (stop.load()) throw Interrupted();
    BlockSlot& oldest = ring.at(0);
    oldest.done.get();
    emit(std::string_view(oldest.out.get(), oldest.out_size));
    consumed += oldest.in_size;
    ring.pop();
    --in_window;
    if (progress) progress(consumed);
  }
  emit(gzip_trailer(crc, total));
  result.uncompressed = plain_hash.finish();
  result.compressed = packed_hash.finish();
  return result;
}

Digest hash_stream(const ByteReader& read, const ProgressCallback& progress, const std::atomic<bool>& stop,
                   const ByteSink& sink) {
  Sha256 hash;
  std::string buffer(kHashBlockSize, '\0');
  uint64_t done = 0;
  for (;;) {
    if (stop.load()) throw Interrupted();
    size_t got = read(buffer.data(), buffer.size());
    if (got == 0) break;
    hash.update(buffer.data(), got);
    if (sink) sink(std::string_view(buffer.data(), got));
    done += got;
    if (progress) progress(done);
  }
  return hash.finish();
}

Digest hash_source(const ByteSource& source, const ProgressCallback& progress, const std::atomic<bool>& stop,
                   const ByteSink& sink) {
  return hash_stream(reader_of(source), progress, stop, sink);
}

Digest hash_continued(const ByteSource& held, const ByteSource& whole, const ProgressCallback& progress,
                      const std::atomic<bool>& stop, const ByteSink& sink) {
  if (held.size() > whole.size()) throw Error(held.name() + ": longer than " + whole.name());
  SliceSource rest(whole, held.size(), whole.size() - held.size(), whole.name());
  ByteReader first = reader_of(held);
  ByteReader then = reader_of(rest);
  uint64_t skip = held.size();
  // hash_stream's blocks end where `held` does: the reader returns short there, never spans both.
  ByteReader both = [&, in_held = true](char* buf, size_t len) mutable -> size_t {
    if (in_held) {
      if (size_t n = first(buf, len)) return n;
      in_held = false;
    }
    return then(buf, len);
  };
  return hash_stream(both, progress, stop, [&](std::string_view data) {
    if (skip >= data.size()) {
      skip -= data.size();
      return;
    }
    data.remove_prefix(static_cast<size_t>(skip));
    skip = 0;
    sink(data);
  });
}

}  // namespace ocipush
