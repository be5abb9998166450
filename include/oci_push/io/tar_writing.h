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

// An entry of a layer tar, as the reproducible profile writes it (docs/build.md): uname and gname empty,
// no atime or ctime.
struct TarEntryHeader {
  std::string name;  // as stored: a directory's ends in '/'
  char type = '0';   // '0' file, '1' hard link, '2' symlink, '5' directory
  unsigned mode = 0644;
  uint64_t uid = 0;
  uint64_t gid = 0;
  uint64_t size = 0;
  int64_t mtime = 0;      // whole seconds
  std::string link_name;  // the target of a symlink or hard link
};

// The header blocks of one entry: a ustar block, preceded by a PAX extended header ('x') only when a
// field does not fit ustar (a long or non-ASCII name or link, a size of 8 GiB or more, a large owner or a
// negative mtime), with only those records and a name that depends on nothing but the entry.
std::string tar_entry_headers(const TarEntryHeader& entry);

}  // namespace ocipush
