// A file on disk as a ByteSource, read with pread() so that many threads share one descriptor.
#pragma once
#include <string>

#include "oci_push/io/byte_source.h"

namespace ocipush {

// A regular file read with pread(), so many threads can read different parts at once.
class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path);  // throws Error: "PATH: No such file or directory"
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  uint64_t size() const override { return size_; }
  size_t read_at(uint64_t offset, void* buf, size_t len) const override;
  std::string name() const override { return path_; }
  std::optional<std::string> identity() const override { return identity_; }

 private:
  std::string identity_;  // device, inode, size, mtime and ctime (ns) as seen at open
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace ocipush
