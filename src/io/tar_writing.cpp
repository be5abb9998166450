#include "oci_push/io/tar_writing.h"

#include <cstdio>
#include <cstring>

#include "oci_push/util/error.h"

namespace ocipush {

namespace {

// An octal field of `width` bytes: digits, then a NUL.
void octal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
}

}  // namespace

std::string tar_header(std::string_view name, uint64_t size, char type, unsigned mode) {
  if (name.size() > 100) throw Error("tar entry name longer than 100 bytes: " + std::string(name));
  std::string block(kTarBlock, '\0');
  char* h = block.data();
  std::memcpy(h, name.data(), name.size());
  octal(h + 100, 8, mode);
  octal(h + 108, 8, 0);  // uid
  octal(h + 116, 8, 0);  // gid
  if (size < (1ull << 33)) {
    octal(h + 124, 12, size);
  } else {  // GNU base-256: the high bit of the first byte set, the value big-endian in the rest
    h[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) h[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  octal(h + 136, 12, 0);  // mtime
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  octal(h + 148, 7, sum);  // six digits and a NUL; the eighth byte keeps its space
  return block;
}

}  // namespace ocipush
