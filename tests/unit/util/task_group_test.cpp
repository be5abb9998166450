// Work side by side under one stop flag: the failure that stopped the others is the one reported.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "fakes/error_of.h"
#include "oci_push/util/error.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {
namespace {

// Polls the stop flag as the long loops do, and throws Interrupted once it is set.
void wait_for_stop(const std::atomic<bool>& stop) {
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  throw Interrupted();
}

TEST(TaskGroup, TheFailureIsReportedNotTheInterruptionItCausedInTheOthers) {
  std::atomic<bool> stop{false};
  TaskGroup group(stop);
  group.spawn([&] { wait_for_stop(stop); });  // ends first, as Interrupted, but only because of the failure
  group.run_here([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    throw Error("the registry refused the config");
  });
  EXPECT_EQ(testing::error_of([&] { group.wait(); }), "the registry refused the config");
  EXPECT_TRUE(stop.load());
}

TEST(TaskGroup, TasksSpawnedByATaskAreWaitedForToo) {
  std::atomic<bool> stop{false};
  std::atomic<int> ran{0};
  TaskGroup group(stop);
  group.spawn([&] {
    group.spawn([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      ++ran;
    });
    ++ran;
  });
  group.wait();
  EXPECT_EQ(ran, 2);
  EXPECT_FALSE(stop.load());
}

TEST(TaskGroup, AStopFromOutsideIsReportedAsTheInterruption) {
  std::atomic<bool> stop{false};
  TaskGroup group(stop);
  group.spawn([&] { wait_for_stop(stop); });
  stop = true;  // Ctrl-C
  EXPECT_THROW(group.wait(), Interrupted);
}

TEST(RunParallel, AFailureIsReportedOverAnInterruptionThatCameBeforeIt) {
  std::atomic<bool> stop{false};
  std::atomic<bool> failing_started{false};
  std::string error = testing::error_of([&] {
    run_parallel(
        2, 2,
        [&](size_t i) {
          if (i == 0) {  // interrupted first (a stop of the work beside it), while job 1 is still failing
            while (!failing_started) std::this_thread::yield();
            throw Interrupted();
          }
          failing_started = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          throw Error("layer 2 is not what its digest says");
        },
        stop);
  });
  EXPECT_EQ(error, "layer 2 is not what its digest says");
}

}  // namespace
}  // namespace ocipush
