// One pass over a tar's headers: entry name -> (offset, size) of its data, read in place later.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/io/byte_source.h"

namespace ocipush {

struct TarEntry {
  enum class Type { File, Directory, Symlink, Hardlink, Other };
  std::string name;  // normalised: no leading "./" or "/", no trailing "/"
  Type type = Type::Other;
  uint64_t offset = 0;  // of the data, in the tar
  uint64_t size = 0;
  std::string link_target;  // for Symlink and Hardlink, as stored
};

class TarIndex {
 public:
  // Reads ustar, GNU (long names 'L'/'K') and pax ('x' path/size/linkpath; 'g' ignored) headers.
  // Throws Error naming `source.name()` and the entry for: not a tar, a bad header checksum, an entry
  // whose data runs past the end (truncated), a name with a ".." component, a duplicate file entry.
  static TarIndex build(const ByteSource& source);
  // An index filled entry by entry, for an archive read as a stream (offset is the caller's handle).
  explicit TarIndex(std::string source_name = {}) : source_name_(std::move(source_name)) {}
  // Same rules as build(): normalised name, ".." refused, a duplicate file refused (throws Error).
  void add(const std::string& raw_name, TarEntry entry);

  // Looks a name up ("./x" and "x" are the same), following symlinks and hardlinks inside the archive
  // (at most 16 hops; a link that leaves the archive root is an error). nullopt when absent.
  std::optional<TarEntry> find(std::string_view name) const;
  const std::map<std::string, TarEntry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, TarEntry, std::less<>> entries_;
  std::string source_name_;  // for find()'s error messages
};

// "./a//b/" -> "a/b"; throws Error on ".." components.
std::string normalize_tar_path(std::string_view name);

}  // namespace ocipush
