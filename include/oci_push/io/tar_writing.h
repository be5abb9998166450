// Writing tar archives in place: header blocks for entries whose sizes are known before their data.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace ocipush {

inline constexpr uint64_t kTarBlock = 512;

// Bytes an entry's data takes in the archive: its size rounded up to whole blocks.
inline uint64_t tar_padded(uint64_t size) { return (size + kTarBlock - 1) / kTarBlock * kTarBlock; }

// One ustar header block: `type` '0' (a file) or '5' (a directory), owner 0:0, mtime 0, so the same
// entries make the same archive. Sizes of 8 GiB and more in GNU's base-256 form. Throws Error for a
// name longer than 100 bytes (the names written here are at most 77).
std::string tar_header(std::string_view name, uint64_t size, char type = '0', unsigned mode = 0644);

}  // namespace ocipush
