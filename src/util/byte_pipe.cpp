#include "oci_push/util/byte_pipe.h"

#include <algorithm>
#include <cstring>

namespace ocipush {

BytePipe::BytePipe(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void BytePipe::throw_if_aborted() const {
  if (aborted_) std::rethrow_exception(aborted_);
}

void BytePipe::write(std::string_view data) {
  std::unique_lock lock(mutex_);
  while (!data.empty()) {
    changed_.wait(lock, [&] { return aborted_ || size_ < ring_.size(); });
    throw_if_aborted();
    const size_t tail = (head_ + size_) % ring_.size();
    const size_t n = std::min({data.size(), ring_.size() - size_, ring_.size() - tail});
    std::memcpy(ring_.data() + tail, data.data(), n);
    size_ += n;
    data.remove_prefix(n);
    changed_.notify_all();
  }
}

void BytePipe::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

bool BytePipe::wait_for_data() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return aborted_ || size_ > 0 || closed_; });
  throw_if_aborted();
  return size_ > 0;
}

size_t BytePipe::read(char* buf, size_t len) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return aborted_ || size_ > 0 || closed_; });
  throw_if_aborted();
  const size_t n = std::min({len, size_, ring_.size() - head_});
  std::memcpy(buf, ring_.data() + head_, n);
  head_ = (head_ + n) % ring_.size();
  size_ -= n;
  changed_.notify_all();
  return n;
}

void BytePipe::abort(std::exception_ptr why) {
  std::lock_guard lock(mutex_);
  if (!aborted_) aborted_ = why;
  changed_.notify_all();
}

}  // namespace ocipush
