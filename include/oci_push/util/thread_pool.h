// A fixed set of worker threads taking tasks from one queue; callers bound their own in-flight work.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace ocipush {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  template <typename F>
  auto submit(F&& f) -> std::future<decltype(f())> {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    auto future = task->get_future();
    enqueue([task] { (*task)(); });
    return future;
  }
  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

 private:
  void enqueue(std::function<void()> job);
  void run();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Runs fn(0..n-1) on `workers` threads of its own (not the pool: these block on pool work). The first
// exception sets `stop`, lets the others end at their next check, and is rethrown here.
void run_parallel(size_t n, unsigned workers, const std::function<void(size_t)>& fn, std::atomic<bool>& stop);

}  // namespace ocipush
