// The process's stop flag, which every long loop polls (a block, a chunk, a retry wait). A SIGINT or
// SIGTERM sets it; so does the first failure of a parallel run (run_parallel), to end the others early.
#pragma once
#include <atomic>

#include "oci_push/util/error.h"

namespace ocipush {

// From a signal handler (only stores to lock-free atomics).
void request_stop() noexcept;
std::atomic<bool>& stop_flag() noexcept;
inline bool stop_requested() noexcept { return stop_flag().load(); }
// Whether the stop came from a signal: then the run ends as Interrupted, whatever failed on the way.
bool stop_was_signalled() noexcept;

// Runs `run`; an Error after a signal becomes Interrupted (what failed was the stop's doing).
template <typename Run>
auto interruptible(Run run) {
  try {
    return run();
  } catch (const Interrupted&) {
    throw;
  } catch (const Error&) {
    if (stop_was_signalled()) throw Interrupted();
    throw;
  }
}

}  // namespace ocipush
