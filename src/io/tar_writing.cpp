#include "oci_push/io/tar_writing.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {

namespace {

// An octal field of `width` bytes: digits, then a NUL.
void octal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
}

// A text field: up to `width` bytes of `text`, the rest NUL (memcpy of an empty view's null data is UB).
void text_field(char* field, size_t width, std::string_view text) {
  if (!text.empty()) std::memcpy(field, text.data(), std::min(text.size(), width));
}

bool fits_octal(uint64_t value, size_t width) { return width >= 23 || value < (1ull << (3 * (width - 1))); }

void checksum(std::string& block) {
  char* h = block.data();
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  octal(h + 148, 7, sum);  // six digits and a NUL; the eighth byte keeps its space
}

// A ustar block for fields already known to fit (the caller moved what does not into PAX records).
std::string ustar_block(std::string_view name, std::string_view prefix, const TarEntryHeader& e, uint64_t size,
                        uint64_t mtime) {
  std::string block(kTarBlock, '\0');
  char* h = block.data();
  text_field(h, 100, name);
  octal(h + 100, 8, e.mode & 07777);
  octal(h + 108, 8, fits_octal(e.uid, 8) ? e.uid : 0);
  octal(h + 116, 8, fits_octal(e.gid, 8) ? e.gid : 0);
  octal(h + 124, 12, fits_octal(size, 12) ? size : 0);
  octal(h + 136, 12, mtime);
  h[156] = e.type;
  text_field(h + 157, 100, e.link_name);
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  octal(h + 329, 8, 0);  // devmajor
  octal(h + 337, 8, 0);  // devminor
  text_field(h + 345, 155, prefix);
  checksum(block);
  return block;
}

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || c == 0) return false;
  return true;
}

// ustar's name/prefix split: the name's last part (≤ 100 bytes) and what precedes it (≤ 155), cut at a '/'.
std::optional<std::pair<std::string_view, std::string_view>> split_ustar_name(std::string_view name) {
  if (!ascii(name)) return std::nullopt;
  if (name.size() <= 100) return std::pair{name, std::string_view{}};
  for (size_t cut = name.find('/'); cut != std::string_view::npos; cut = name.find('/', cut + 1)) {
    if (cut > 155) break;
    if (name.size() - cut - 1 <= 100 && cut > 0) return std::pair{name.substr(cut + 1), name.substr(0, cut)};
  }
  return std::nullopt;
}

// "LEN key=value\n", where LEN counts the whole record, itself included.
std::string pax_record(std::string_view key, std::string_view value) {
  const size_t rest = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = rest + std::to_string(rest).size();
  if (std::to_string(len).size() + rest != len) ++len;
  return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
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
  checksum(block);
  return block;
}

std::string tar_entry_headers(const TarEntryHeader& e) {
  std::string records;
  auto split = split_ustar_name(e.name);
  if (!split) records += pax_record("path", e.name);
  if (e.link_name.size() > 100 || !ascii(e.link_name)) records += pax_record("linkpath", e.link_name);
  if (!fits_octal(e.size, 12)) records += pax_record("size", std::to_string(e.size));
  if (!fits_octal(e.uid, 8)) records += pax_record("uid", std::to_string(e.uid));
  if (!fits_octal(e.gid, 8)) records += pax_record("gid", std::to_string(e.gid));
  if (e.mtime < 0 || !fits_octal(static_cast<uint64_t>(e.mtime), 12)) records += pax_record("mtime", std::to_string(e.mtime));
  const uint64_t mtime = e.mtime < 0 || !fits_octal(static_cast<uint64_t>(e.mtime), 12) ? 0 : e.mtime;
  std::string name = split ? std::string(split->first) : e.name.substr(0, 100);
  std::string_view prefix = split ? split->second : std::string_view{};
  std::string out;
  if (!records.empty()) {
    // Go's archive/tar names it so: "PaxHeaders.0" beside the entry's base name, no PID, no time.
    std::string base = e.name;
    while (base.ends_with('/')) base.pop_back();
    base = base.substr(base.rfind('/') == std::string::npos ? 0 : base.rfind('/') + 1);
    std::string pax_name = ("PaxHeaders.0/" + (ascii(base) ? base : std::string("entry"))).substr(0, 100);
    TarEntryHeader pax{pax_name, 'x', 0644, 0, 0, records.size(), 0, ""};
    out += ustar_block(pax_name, {}, pax, records.size(), 0);
    out += records;
    out.resize(kTarBlock + tar_padded(records.size()), '\0');
    if (!split) name = ascii(name) ? name : std::string("entry");
  }
  out += ustar_block(name, prefix, e, e.size, mtime);
  return out;
}

}  // namespace ocipush
