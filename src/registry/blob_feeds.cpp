#include "oci_push/registry/blob_feeds.h"

#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "oci_push/http/retry.h"
#include "oci_push/util/byte_pipe.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

constexpr size_t kReadAhead = 4 << 20;  // as the upload side's pipe: enough to keep a link busy

std::string longer_than(const BlobAt& at) {
  return "registry " + at.client->host() + " served blob " + at.blob.digest.str() + " longer than the " +
         std::to_string(at.blob.size) + " bytes its descriptor says";
}

// [from, from+len) of the blob by GETs, a broken one continued from where it broke (on the client's
// retry policy), each piece to `take`.
void fetch(const BlobAt& at, uint64_t from, std::optional<uint64_t> len,
           const std::function<void(std::string_view)>& take) {
  const uint64_t end = len ? from + *len : at.blob.size;
  RetryBudget budget(at.client->retry_policy());
  for (uint64_t pos = from;;) {
    try {
      at.client->read_blob(
          at.repository, at.blob.digest, pos,
          [&](std::string_view data) {
            if (data.size() > end - pos) throw Error(longer_than(at));
            take(data);
            pos += data.size();
          },
          len ? std::optional<uint64_t>(end - pos) : std::nullopt);
      if (pos != end)
        throw Error("registry " + at.client->host() + " served " + std::to_string(pos) + " bytes of blob " +
                    at.blob.digest.str() + ", whose descriptor says " + std::to_string(at.blob.size));
      return;
    } catch (const Error& e) {
      if (dynamic_cast<const RangeNotServed*>(&e) || !is_transient(e) ||
          !at.client->wait_to_retry(budget, "GET blob " + at.blob.digest.str() + " at byte " + std::to_string(pos) +
                                                ": " + e.what()))
        throw;
    }
  }
}

class StreamedFeed : public BlobFeed {
 public:
  StreamedFeed(const BlobAt& at, uint64_t offset) {
    thread_ = std::thread([this, at, offset] {
      try {
        fetch(at, offset, std::nullopt, [&](std::string_view d) { pipe_.write(d); });
      } catch (...) {
        error_ = std::current_exception();  // the reader gets every byte that arrived first
      }
      pipe_.close();
    });
  }
  ~StreamedFeed() override {
    pipe_.abort(std::make_exception_ptr(Interrupted()));  // wakes a GET waiting on a full pipe
    thread_.join();
  }
  size_t read(char* buf, size_t len) override {
    size_t got = 0;
    while (got < len) {
      size_t n = pipe_.read(buf + got, len - got);
      if (n == 0) {
        if (error_) std::rethrow_exception(error_);
        break;
      }
      got += n;
      delivered_ += n;
    }
    return got;
  }
  uint64_t delivered() const override { return delivered_; }

 private:
  uint64_t delivered_ = 0;
  BytePipe pipe_{kReadAhead};
  std::exception_ptr error_;
  std::thread thread_;
};

class RangedFeed : public BlobFeed {
 public:
  RangedFeed(const BlobAt& at, uint64_t offset, unsigned workers)
      : at_(at), start_(offset), ahead_(workers + 2) {  // 2 MiB each: 12 MiB at most with 4 workers
    for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  }
  ~RangedFeed() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (auto& w : workers_) w.join();
  }
  size_t read(char* buf, size_t len) override {
    size_t got = 0;
    while (got < len) {
      if (at_in_current_ == current_.size() && !next_range()) break;
      size_t n = std::min(len - got, current_.size() - at_in_current_);
      std::memcpy(buf + got, current_.data() + at_in_current_, n);
      at_in_current_ += n;
      got += n;
      delivered_ += n;
    }
    return got;
  }
  uint64_t delivered() const override { return delivered_; }

 private:
  uint64_t range_start(size_t k) const { return start_ + k * kRangeBytes; }

  // The reader's next range, once fetched; false at the end of the blob.
  bool next_range() {
    std::unique_lock lock(mutex_);
    if (range_start(to_read_) >= at_.blob.size) return false;
    changed_.wait(lock, [&] { return ready_.count(to_read_) || error_; });
    if (!ready_.count(to_read_)) std::rethrow_exception(error_);
    current_ = std::move(ready_[to_read_]);
    ready_.erase(to_read_++);
    at_in_current_ = 0;
    changed_.notify_all();
    return true;
  }

  void work() {
    for (;;) {
      size_t k;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || error_ || to_fetch_ < to_read_ + ahead_; });
        if (stopping_ || error_ || range_start(to_fetch_) >= at_.blob.size) return;
        k = to_fetch_++;
      }
      const uint64_t from = range_start(k);
      std::string data;
      try {
        fetch(at_, from, std::min(kRangeBytes, at_.blob.size - from), [&](std::string_view d) { data.append(d); });
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
        changed_.notify_all();
        return;
      }
      std::lock_guard lock(mutex_);
      ready_[k] = std::move(data);
      changed_.notify_all();
    }
  }

  BlobAt at_;
  uint64_t start_;
  size_t ahead_;  // ranges fetched past the reader's
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t to_fetch_ = 0;  // the next range a worker takes
  size_t to_read_ = 0;   // the next range the reader takes
  std::map<size_t, std::string> ready_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::string current_;
  size_t at_in_current_ = 0;
  uint64_t delivered_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<BlobFeed> streamed_feed(const BlobAt& at, uint64_t offset) {
  return std::make_unique<StreamedFeed>(at, offset);
}

std::unique_ptr<BlobFeed> ranged_feed(const BlobAt& at, uint64_t offset, unsigned workers) {
  return std::make_unique<RangedFeed>(at, offset, workers);
}

}  // namespace ocipush
