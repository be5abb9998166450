// Deterministic block-parallel gzip: the layer is cut into fixed-size blocks, each deflated on its own
// (ISA-L, fixed level, no shared history) and byte-aligned, so blocks can be compressed on any number of
// threads and concatenated into one gzip member whose bytes never depend on the thread count.
// Changing kGzipBlockSize, the level or the codec changes every pushed layer digest: don't, lightly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocipush {

inline constexpr size_t kGzipBlockSize = 1 << 20;
inline constexpr int kGzipDefaultLevel = 1;  // ISA-L levels 0..3

// The fixed 10-byte header: no name, mtime 0, OS "unknown", so the bytes depend only on the content.
std::string_view gzip_header();
// The most bytes deflate_block can write for `size` input bytes (stored blocks plus their headers).
size_t deflate_bound(size_t size);
// Writes the raw deflate of one block to `out`, which holds at least deflate_bound(size) bytes, and
// returns its length. Every block but the last ends byte-aligned and non-final; `last` sets BFINAL.
// An empty last block is valid (the empty layer).
size_t deflate_block(const void* data, size_t size, bool last, int level, char* out, size_t capacity);
// The same, appended to `out`.
void deflate_block(const void* data, size_t size, bool last, int level, std::string& out);
// CRC-32 (gzip's), continuing from `crc` (start with 0).
uint32_t gzip_crc32(uint32_t crc, const void* data, size_t size);
std::string gzip_trailer(uint32_t crc, uint64_t uncompressed_size);

// The whole thing on one thread; the reference the parallel pipeline must equal.
std::string gzip_compress(std::string_view data, int level = kGzipDefaultLevel, size_t block_size = kGzipBlockSize);

}  // namespace ocipush
