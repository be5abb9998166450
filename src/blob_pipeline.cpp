#include "oci_push/blob_pipeline.h"

#include <deque>
#include <future>
#include <memory>
#include <optional>

#include "oci_push/error.h"
#include "oci_push/gzip_blocks.h"
#include "oci_push/retry.h"

namespace ocipush {

namespace {
constexpr size_t kHashBlockSize = 4 << 20;
}

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

// Up to `size` bytes: fewer only when the reader is at its end.
std::string read_block(const ByteReader& read, size_t size) {
  std::string block(size, '\0');
  size_t filled = 0;
  while (filled < size) {
    size_t n = read(block.data() + filled, size - filled);
    if (n == 0) break;
    filled += n;
  }
  block.resize(filled);
  return block;
}

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

  // The last block must carry BFINAL, so one block is read ahead to know whether another follows.
  std::optional<std::string> ahead;
  auto next_block = [&](bool& last) {
    std::string block = ahead ? std::move(*ahead) : read_block(read, kGzipBlockSize);
    ahead.reset();
    last = block.size() < kGzipBlockSize;
    if (!last) {
      ahead = read_block(read, kGzipBlockSize);
      last = ahead->empty();
    }
    return block;
  };

  std::deque<std::pair<size_t, std::future<std::string>>> window;  // (uncompressed size, output)
  uint64_t consumed = 0;
  bool submitted_last = false;
  while (!submitted_last || !window.empty()) {
    while (!submitted_last && window.size() < window_size) {
      bool last = false;
      auto block = std::make_shared<std::string>(next_block(last));
      plain_hash.update(*block);
      crc = gzip_crc32(crc, block->data(), block->size());
      total += block->size();
      window.emplace_back(block->size(), pool.submit([block, last, level] {
        std::string out;
        deflate_block(block->data(), block->size(), last, level, out);
        out.shrink_to_fit();  // sized for the worst case; it waits in the window at its real size
        return out;
      }));
      submitted_last = last;
    }
    if (stop.load()) throw Interrupted();
    emit(window.front().second.get());
    consumed += window.front().first;
    window.pop_front();
    if (progress) progress(consumed);
  }
  emit(gzip_trailer(crc, total));
  result.uncompressed = plain_hash.finish();
  result.compressed = packed_hash.finish();
  return result;
}

CompressedDigests gzip_stream(const ByteSource& source, ThreadPool& pool, int level, const ByteSink& sink,
                              const ProgressCallback& progress, const std::atomic<bool>& stop) {
  return gzip_stream(reader_of(source), pool, level, sink, progress, stop);
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

ChunkedUpload::ChunkedUpload(RegistryClient& client, std::string repo, size_t chunk_size)
    : client_(client), repo_(std::move(repo)), chunk_size_(chunk_size), own_budget_(client.retry_policy()) {
  // One chunk plus one block's worth of appends: the buffer never doubles past that.
  buffer_.reserve(chunk_size_ + (1 << 20) + (64 << 10));
}

ChunkedUpload::~ChunkedUpload() {
  if (!finished_ && !url_.empty()) client_.cancel_upload(repo_, url_);
}

void ChunkedUpload::write(std::string_view data) {
  buffer_.append(data);
  while (buffer_.size() >= chunk_size_) send(chunk_size_);
}

void ChunkedUpload::send(size_t size) {
  if (size == 0) return;
  if (url_.empty()) url_ = client_.start_upload(repo_);
  RetryBudget& budget = RetryScope::current() ? *RetryScope::current() : own_budget_;
  for (size_t held = 0; held < size;) {  // bytes of this chunk the registry holds
    try {
      url_ = client_.upload_chunk(repo_, url_, offset_ + held, std::string_view(buffer_).substr(held, size - held));
      break;
    } catch (const Error& e) {
      if (!is_transient(e)) throw;
      if (!client_.wait_to_retry(budget, "PATCH at offset " + std::to_string(offset_ + held) + ": " + e.what()))
        throw TransientError(std::string(e.what()) + "; " + budget.gave_up());
      auto status = client_.upload_status(repo_, url_);
      if (!status)
        throw TransientError("registry no longer knows the upload session of " + repo_ + " after: " + e.what());
      uint64_t at = std::max<uint64_t>(status->held, offset_);
      if (at > offset_ + size)
        throw TransientError("registry holds " + std::to_string(at) + " bytes of an upload to " + repo_ +
                             ", past the chunk being sent");
      url_ = status->url;
      held = static_cast<size_t>(at - offset_);
    }
  }
  offset_ += size;
  buffer_.erase(0, size);
}

void ChunkedUpload::finish(const Digest& digest) {
  send(buffer_.size());
  if (url_.empty()) url_ = client_.start_upload(repo_);  // an empty blob: no chunk at all
  client_.finish_upload(repo_, url_, digest);
  finished_ = true;
}

}  // namespace ocipush
