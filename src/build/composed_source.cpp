#include "oci_push/build/composed_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "oci_push/model/digest.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

std::string stat_identity(const struct stat& st) {
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

struct OpenFile {
  int fd;
  ~OpenFile() { ::close(fd); }
};

}  // namespace

PlannedFile plan_file(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw Error(path + ": " + std::strerror(errno));
  return planned_file(path, st);
}

PlannedFile planned_file(const std::string& path, const struct stat& st) {
  return {path, static_cast<uint64_t>(st.st_size), st.st_dev, st.st_ino, stat_identity(st)};
}

void ComposedSource::append_bytes(std::string bytes) {
  if (bytes.empty()) return;
  const uint64_t n = bytes.size();
  pieces_.push_back({size_, n, std::move(bytes), std::nullopt});
  size_ += n;
}

void ComposedSource::append_file(PlannedFile file) {
  if (file.size == 0) return;
  const uint64_t n = file.size;
  pieces_.push_back({size_, n, {}, std::move(file)});
  size_ += n;
}

size_t ComposedSource::read_piece(const Piece& piece, uint64_t at, char* out, size_t len) const {
  if (!piece.file) {
    std::memcpy(out, piece.bytes.data() + at, len);
    return len;
  }
  const PlannedFile& f = *piece.file;
  OpenFile file{::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (file.fd < 0) throw Error(f.path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || st.st_ino != f.inode || st.st_dev != f.device ||
      static_cast<uint64_t>(st.st_size) != f.size)
    throw Error(f.path + ": changed while the image was being built (was " + std::to_string(f.size) + " bytes)");
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(file.fd, out + done, len - done, static_cast<off_t>(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(f.path + ": " + std::strerror(errno));
    if (n == 0) throw Error(f.path + ": changed while the image was being built (shorter than planned)");
    done += static_cast<size_t>(n);
  }
  return done;
}

size_t ComposedSource::read_at(uint64_t offset, void* buf, size_t len) const {
  if (offset >= size_) return 0;
  len = static_cast<size_t>(std::min<uint64_t>(len, size_ - offset));
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), offset,
                             [](uint64_t o, const Piece& p) { return o < p.offset; });
  char* out = static_cast<char*>(buf);
  size_t done = 0;
  for (--it; done < len; ++it) {
    const uint64_t at = offset + done - it->offset;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len - done, it->size - at));
    done += read_piece(*it, at, out + done, n);
  }
  return done;
}

std::optional<std::string> ComposedSource::identity() const {
  Sha256 h;
  for (const auto& p : pieces_) {
    if (p.file) h.update("F" + p.file->path + "\n" + p.file->identity + "\n");
    else h.update("B" + std::to_string(p.bytes.size()) + "\n" + p.bytes);
  }
  return "composed:" + h.finish().hex + ":" + std::to_string(size_);
}

}  // namespace ocipush
