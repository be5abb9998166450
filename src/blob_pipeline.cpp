#include "oci_push/blob_pipeline.h"

#include <deque>
#include <future>
#include <memory>

#include "oci_push/error.h"
#include "oci_push/gzip_blocks.h"

namespace ocipush {

namespace {
constexpr size_t kHashBlockSize = 4 << 20;
}

CompressedDigests gzip_stream(const ByteSource& source, ThreadPool& pool, int level, const ByteSink& sink,
                              const ProgressCallback& progress, const std::atomic<bool>& stop) {
  const uint64_t total = source.size();
  // Enough blocks ahead to keep every compression thread busy while this thread uploads.
  const size_t window_size = 2 * static_cast<size_t>(pool.size()) + 1;
  Sha256 plain_hash, packed_hash;
  uint32_t crc = 0;
  CompressedDigests result;

  auto emit = [&](std::string_view bytes) {
    packed_hash.update(bytes);
    result.compressed_size += bytes.size();
    sink(bytes);
  };
  emit(gzip_header());

  std::deque<std::pair<size_t, std::future<std::string>>> window;  // (uncompressed size, output)
  uint64_t consumed = 0;
  uint64_t next_offset = 0;
  bool submitted_last = false;
  while (!submitted_last || !window.empty()) {
    while (!submitted_last && window.size() < window_size) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kGzipBlockSize, total - next_offset));
      auto block = std::make_shared<std::string>(read_exact(source, next_offset, n));
      plain_hash.update(*block);
      crc = gzip_crc32(crc, block->data(), block->size());
      bool last = next_offset + n == total;
      window.emplace_back(n, pool.submit([block, last, level] {
        std::string out;
        deflate_block(block->data(), block->size(), last, level, out);
        return out;
      }));
      next_offset += n;
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

Digest hash_source(const ByteSource& source, const ProgressCallback& progress, const std::atomic<bool>& stop,
                   const ByteSink& sink) {
  Sha256 hash;
  std::string buffer(kHashBlockSize, '\0');
  uint64_t offset = 0;
  const uint64_t total = source.size();
  while (offset < total) {
    if (stop.load()) throw Interrupted();
    size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), total - offset));
    size_t got = source.read_at(offset, buffer.data(), want);
    if (got != want) throw Error(source.name() + ": ends early at byte " + std::to_string(offset + got));
    hash.update(buffer.data(), got);
    if (sink) sink(std::string_view(buffer.data(), got));
    offset += got;
    if (progress) progress(offset);
  }
  return hash.finish();
}

ChunkedUpload::ChunkedUpload(RegistryClient& client, std::string repo, size_t chunk_size)
    : client_(client), repo_(std::move(repo)), chunk_size_(chunk_size) {}

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
  url_ = client_.upload_chunk(repo_, url_, offset_, std::string_view(buffer_).substr(0, size));
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
