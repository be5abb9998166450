#include "oci_push/util/thread_pool.h"

#include "oci_push/util/error.h"

namespace ocipush {

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void ThreadPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void FirstFailure::record(std::exception_ptr failure) {
  bool interruption = false;
  try {
    std::rethrow_exception(failure);
  } catch (const Interrupted&) {
    interruption = true;
  } catch (...) {
  }
  std::lock_guard lock(mutex_);
  if (!kept_ || (kept_is_interruption_ && !interruption)) {
    kept_ = failure;
    kept_is_interruption_ = interruption;
  }
  stop_.store(true);
}

void FirstFailure::rethrow_if_any() {
  std::lock_guard lock(mutex_);
  if (kept_) std::rethrow_exception(kept_);
}

void run_parallel(size_t n, unsigned workers, const std::function<void(size_t)>& fn, std::atomic<bool>& stop) {
  std::atomic<size_t> next{0};
  FirstFailure failure(stop);
  auto work = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= n || stop.load()) return;
      try {
        fn(i);
      } catch (...) {
        failure.record(std::current_exception());
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  size_t count = std::min<size_t>(std::max(1u, workers), n);
  for (size_t i = 1; i < count; ++i) threads.emplace_back(work);
  if (count > 0) work();
  for (auto& t : threads) t.join();
  failure.rethrow_if_any();
}

TaskGroup::~TaskGroup() { join_all(); }

void TaskGroup::spawn(std::function<void()> task) {
  std::lock_guard lock(threads_mutex_);
  threads_.emplace_back([this, task = std::move(task)] { run_here(task); });
}

void TaskGroup::run_here(const std::function<void()>& task) {
  try {
    task();
  } catch (...) {
    failure_.record(std::current_exception());
  }
}

void TaskGroup::wait() {
  join_all();
  failure_.rethrow_if_any();
}

// A task may spawn another while this joins: joined until none is left.
void TaskGroup::join_all() {
  for (;;) {
    std::vector<std::thread> running;
    {
      std::lock_guard lock(threads_mutex_);
      running.swap(threads_);
    }
    if (running.empty()) return;
    for (auto& t : running) t.join();
  }
}

}  // namespace ocipush
