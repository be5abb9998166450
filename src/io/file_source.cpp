#include "oci_push/io/file_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "oci_push/io/file_writes.h"
#include "oci_push/util/error.h"

namespace ocipush {

FileSource::FileSource(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(fmt::format("{}: {}", path, errno_text(errno)));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    ::close(fd_);
    throw Error(fmt::format("{}: {}", path, errno_text(err)));
  }
  // A directory or a pipe has no stable size to index, so refuse it up front.
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw Error(fmt::format("{}: {}", path, S_ISDIR(st.st_mode) ? errno_text(EISDIR) : "not a regular file"));
  }
  size_ = static_cast<uint64_t>(st.st_size);
  identity_ = fmt::format("file:{}:{}:{}:{}.{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                          st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

size_t FileSource::read_at(uint64_t offset, void* buf, size_t len) const {
  // The size seen at open is the end: a file growing underneath must not change what the index saw.
  if (offset >= size_) return 0;
  if (len > size_ - offset) len = static_cast<size_t>(size_ - offset);
  auto* out = static_cast<char*>(buf);
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(fd_, out + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("{}: read failed at offset {}: {}", path_, offset + done, errno_text(errno)));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace ocipush
