#include "oci_push/codec/gzip_blocks.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <cstring>
#include <memory>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {

namespace {

// The largest level buffer ISA-L wants at any level, so one buffer per thread serves every level.
constexpr size_t kLevelBufSize = ISAL_DEF_LVL3_DEFAULT;

// Each level gets its documented default size, always the same, so the output never depends on how
// much scratch memory a thread happened to have.
uint32_t level_buf_size(int level) {
  switch (level) {
    case 1:
      return ISAL_DEF_LVL1_DEFAULT;
    case 2:
      return ISAL_DEF_LVL2_DEFAULT;
    default:
      return ISAL_DEF_LVL3_DEFAULT;
  }
}

struct ThreadScratch {
  std::unique_ptr<uint8_t[]> level_buf = std::make_unique<uint8_t[]>(kLevelBufSize);
};

}  // namespace

std::string_view gzip_header() {
  static constexpr char kHeader[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  return std::string_view(kHeader, sizeof kHeader);
}

size_t deflate_bound(size_t size) { return size + (size >> 12) + 1024; }

size_t deflate_block(const void* data, size_t size, bool last, int level, char* out, size_t capacity) {
  if (level < ISAL_DEF_MIN_LEVEL || level > ISAL_DEF_MAX_LEVEL)
    throw Error("gzip level " + std::to_string(level) + " is out of range 0.." + std::to_string(ISAL_DEF_MAX_LEVEL));
  if (capacity < deflate_bound(size)) throw Error("deflate_block: output buffer smaller than deflate_bound");
  thread_local ThreadScratch scratch;

  // Zeroed first: the init leaves fields that the stateless path reads, and stack garbage there would
  // make the output depend on what ran on this thread before.
  isal_zstream stream{};
  isal_deflate_stateless_init(&stream);
  stream.level = static_cast<uint32_t>(level);
  if (level > 0) {
    // ISA-L's stateless deflate does not clear the hash tables in level_buf: whatever a previous
    // block left there would steer match finding and make the bytes depend on which blocks this
    // thread compressed before. Zeroed every time, each block's output depends on that block alone.
    std::memset(scratch.level_buf.get(), 0, level_buf_size(level));
    stream.level_buf = scratch.level_buf.get();
    stream.level_buf_size = level_buf_size(level);
  }
  stream.gzip_flag = IGZIP_DEFLATE;
  stream.end_of_stream = last ? 1 : 0;
  stream.flush = last ? NO_FLUSH : FULL_FLUSH;
  stream.next_in = static_cast<uint8_t*>(const_cast<void*>(data));
  stream.avail_in = static_cast<uint32_t>(size);
  stream.next_out = reinterpret_cast<uint8_t*>(out);
  stream.avail_out = static_cast<uint32_t>(deflate_bound(size));
  int rc = isal_deflate_stateless(&stream);
  if (rc != COMP_OK) throw Error("gzip compression failed (ISA-L code " + std::to_string(rc) + ")");
  return stream.total_out;
}

void deflate_block(const void* data, size_t size, bool last, int level, std::string& out) {
  const size_t start = out.size();
  out.resize(start + deflate_bound(size));
  out.resize(start + deflate_block(data, size, last, level, out.data() + start, out.size() - start));
}

uint32_t gzip_crc32(uint32_t crc, const void* data, size_t size) {
  return crc32_gzip_refl(crc, static_cast<const unsigned char*>(data), size);
}

std::string gzip_trailer(uint32_t crc, uint64_t uncompressed_size) {
  std::string t(8, '\0');
  auto isize = static_cast<uint32_t>(uncompressed_size);  // modulo 2^32, as RFC 1952 says
  for (int i = 0; i < 4; ++i) {
    t[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    t[4 + i] = static_cast<char>((isize >> (8 * i)) & 0xff);
  }
  return t;
}

std::string gzip_compress(std::string_view data, int level, size_t block_size) {
  std::string out(gzip_header());
  uint32_t crc = gzip_crc32(0, data.data(), data.size());
  size_t offset = 0;
  do {
    size_t n = std::min(block_size, data.size() - offset);
    deflate_block(data.data() + offset, n, offset + n == data.size(), level, out);
    offset += n;
  } while (offset < data.size());
  out += gzip_trailer(crc, data.size());
  return out;
}

}  // namespace ocipush
