#include "oci_push/util/byte_pipe.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "oci_push/util/lent_place.h"

namespace ocipush {

BytePipe::BytePipe(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void BytePipe::throw_if_aborted() const {
  if (aborted_) std::rethrow_exception(aborted_);
}

// A pipe full for longer than this waits on a slow connection, not on a reader about to read: the
// writer's place (a compressing layer's turn) is lent out for the rest of the wait. The reader takes
// up to 512 KiB at a time (the HTTP body buffer), so this is a connection under ~5 MB/s; at 20 ms
// (~25 MB/s) a registry on this machine, slowed by sharing its cores, had turns lent, and the extra
// layers compressing took CPU from it: the loopback push was 7 % slower.
constexpr auto kBriefWait = std::chrono::milliseconds(100);

void BytePipe::write(std::string_view data) {
  std::unique_lock lock(mutex_);
  auto has_room = [&] { return aborted_ || size_ < ring_.size(); };
  while (!data.empty()) {
    if (!changed_.wait_for(lock, kBriefWait, has_room)) {
      lock.unlock();  // the place is taken back with no lock held: its wait must not stall the reader
      {
        LentWhileWaiting lent;
        std::unique_lock long_wait(mutex_);
        changed_.wait(long_wait, has_room);
      }
      lock.lock();
    }
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
