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
// exception sets `stop`, lets the others end at their next check, and is rethrown here (the first that
// is not the Interrupted the stop made the others throw).
void run_parallel(size_t n, unsigned workers, const std::function<void(size_t)>& fn, std::atomic<bool>& stop);

// The failure of work run side by side under one stop flag: the first recorded sets the flag; the one
// kept is the first that is not an Interrupted (what the others throw once the flag is set).
class FirstFailure {
 public:
  explicit FirstFailure(std::atomic<bool>& stop) : stop_(stop) {}
  void record(std::exception_ptr failure);
  void rethrow_if_any();

 private:
  std::atomic<bool>& stop_;
  std::mutex mutex_;
  std::exception_ptr kept_;
  bool kept_is_interruption_ = false;
};

// Tasks beside each other on threads of their own (they block on the network or on the pool), under
// one stop flag, as run_parallel's. wait() joins them all and rethrows their FirstFailure.
class TaskGroup {
 public:
  explicit TaskGroup(std::atomic<bool>& stop) : failure_(stop) {}
  ~TaskGroup();  // joins what is still running; a failure not waited for is dropped
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  void spawn(std::function<void()> task);  // from any thread, until wait()
  void run_here(const std::function<void()>& task);  // on this thread, its failure kept as the others'
  void wait();

 private:
  void join_all();

  FirstFailure failure_;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace ocipush
