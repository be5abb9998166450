// A ByteSource laid out from pieces known before any is read: bytes held in memory (tar headers) and
// ranges of files on disk (the files a build adds), so a layer tar is never written out to be pushed.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/io/byte_source.h"

namespace ocipush {

// A file as it was seen when the layout was planned: a read finds it changed (another size, another
// inode) and fails rather than send a tar whose headers no longer describe its data.
struct PlannedFile {
  std::string path;
  uint64_t size = 0;
  dev_t device = 0;
  ino_t inode = 0;
  std::string identity;  // device, inode, size, mtime and ctime (ns)
};

class ComposedSource : public ByteSource {
 public:
  explicit ComposedSource(std::string name) : name_(std::move(name)) {}
  void append_bytes(std::string bytes);
  void append_file(PlannedFile file);  // its size bytes; pad with append_bytes
  uint64_t size() const override { return size_; }
  // Throws Error naming the file when it cannot be opened or is not as planned.
  size_t read_at(uint64_t offset, void* buf, size_t len) const override;
  std::string name() const override { return name_; }
  // The held bytes and every file's identity, hashed: the same files unchanged give the same identity.
  std::optional<std::string> identity() const override;

 private:
  struct Piece {
    uint64_t offset = 0;
    uint64_t size = 0;
    std::string bytes;  // when file is empty
    std::optional<PlannedFile> file;
  };
  size_t read_piece(const Piece& piece, uint64_t at, char* out, size_t len) const;
  std::string name_;
  std::vector<Piece> pieces_;
  uint64_t size_ = 0;
};

// Stats `path` (not following a final symlink) for a PlannedFile; throws Error naming it.
PlannedFile plan_file(const std::string& path);
// The same from what lstat said already.
PlannedFile planned_file(const std::string& path, const struct stat& st);

}  // namespace ocipush
