#include "oci_push/formats/layout_blob_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "oci_push/io/file_source.h"
#include "oci_push/io/file_writes.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

std::string temporary_name(const std::string& blobs_dir) {
  static std::atomic<unsigned> counter{0};
  return blobs_dir + "/sha256/.incoming." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

LayoutBlobWriter::LayoutBlobWriter(std::string blobs_dir, std::optional<Descriptor> blob)
    : blobs_dir_(std::move(blobs_dir)), blob_(std::move(blob)) {
  partial_ = blob_ ? final_path(blob_->digest) + ".partial" : temporary_name(blobs_dir_);
  // Another pull writing the same blob into this layout: wait for it, then find the blob done, or take
  // over the partial file it left (if it gave up and removed it meanwhile, open it anew).
  for (;;) {
    fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(partial_ + ": cannot write: " + errno_text(errno));
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw Error(partial_ + ": cannot lock: " + errno_text(errno));
    struct stat here {
    }, named{};
    ::fstat(fd_, &here);
    const bool ours = ::stat(partial_.c_str(), &named) == 0 && named.st_ino == here.st_ino;
    if (blob_ && exists(final_path(blob_->digest))) {
      if (ours) ::unlink(partial_.c_str());  // the one this open made: nobody needs it
      complete_ = true;
      return;
    }
    if (ours) {
      held_ = static_cast<uint64_t>(here.st_size);
      if (blob_ && held_ > blob_->size) held_ = 0;  // longer than the blob: not a start of it
      return;
    }
    ::close(fd_);
  }
}

LayoutBlobWriter::~LayoutBlobWriter() {
  if (!finished_ && !kept_ && !complete_) ::unlink(partial_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

std::string LayoutBlobWriter::final_path(const Digest& digest) const {
  return blobs_dir_ + "/" + digest.algorithm + "/" + digest.hex;
}

std::shared_ptr<const ByteSource> LayoutBlobWriter::take_held() {
  if (started_ || complete_ || held_ == 0) return nullptr;
  started_ = true;
  position_ = held_;
  auto file = std::make_shared<FileSource>(partial_);  // held_ bytes: nothing was written since the open
  if (file->size() != held_) throw Error(partial_ + ": changed while it was locked");
  return file;
}

void LayoutBlobWriter::write(std::string_view data) {
  if (complete_) return;
  if (!started_) {
    started_ = true;
    if (held_ > 0 && ::ftruncate(fd_, 0) != 0) throw Error(partial_ + ": cannot truncate: " + errno_text(errno));
  }
  write_all_at(fd_, data, position_, partial_);
  position_ += data.size();
}

void LayoutBlobWriter::finish(const Digest& digest) {
  if (blob_ && digest != blob_->digest)
    throw Error(partial_ + ": finished as " + digest.str() + ", expected " + blob_->digest.str());
  finished_ = true;
  if (complete_) return;
  if (!started_ && held_ > 0 && ::ftruncate(fd_, 0) != 0) throw Error(partial_ + ": " + errno_text(errno));
  if (::rename(partial_.c_str(), final_path(digest).c_str()) != 0) {
    finished_ = false;
    throw Error(final_path(digest) + ": cannot write: " + errno_text(errno));
  }
}

std::optional<BlobSession> LayoutBlobWriter::take_session() {
  if (complete_ || !blob_) return std::nullopt;  // a temporary name is not found again
  kept_ = true;
  return BlobSession{partial_, position_};
}

}  // namespace ocipush
