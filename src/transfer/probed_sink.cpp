#include "oci_push/transfer/probed_sink.h"

#include <optional>

#include "oci_push/util/thread_pool.h"

namespace ocipush {

void ProbedSink::prefetch(const std::string& repo, const std::vector<Descriptor>& blobs, unsigned width,
                          std::atomic<bool>& stop) {
  std::vector<Descriptor> todo;
  {
    std::lock_guard lock(mutex_);
    std::set<Digest> listed;
    for (const auto& d : blobs)
      if (!asked_.count({repo, d.digest}) && listed.insert(d.digest).second) todo.push_back(d);
  }
  run_parallel(
      todo.size(), width, [&](size_t i) { has(repo, todo[i]); }, stop);
}

bool ProbedSink::has(const std::string& repo, const Descriptor& d) {
  const Key key{repo, d.digest};
  std::unique_lock lock(mutex_);
  answered_.wait(lock, [&] { return !in_flight_.count(key); });
  if (asked_.count(key)) {
    auto it = held_.find(key);
    return it != held_.end() && it->second == d.size;
  }
  in_flight_.insert(key);
  lock.unlock();
  std::optional<uint64_t> size;
  try {
    size = sink_.blob_size(repo, d.digest);
  } catch (...) {
    lock.lock();
    in_flight_.erase(key);
    answered_.notify_all();
    throw;
  }
  lock.lock();
  in_flight_.erase(key);
  asked_[key] = true;
  if (size) held_[key] = *size;
  answered_.notify_all();
  return size && *size == d.size;
}

void ProbedSink::confirmed(const std::string& repo, const Descriptor& d) {
  std::lock_guard lock(mutex_);
  asked_[{repo, d.digest}] = true;
  held_[{repo, d.digest}] = d.size;
}

void ProbedSink::forget() {
  std::lock_guard lock(mutex_);
  asked_.clear();
  held_.clear();
}

}  // namespace ocipush
