// The process's stop flag, which every long loop polls (a block, a chunk, a retry wait). A SIGINT or
// SIGTERM sets it; so does the first failure of a parallel run (run_parallel), to end the others early.
#pragma once
#include <atomic>

namespace ocipush {

// From a signal handler (only stores to lock-free atomics).
void request_stop() noexcept;
std::atomic<bool>& stop_flag() noexcept;
inline bool stop_requested() noexcept { return stop_flag().load(); }
// Whether the stop came from a signal: then the run ends as Interrupted, whatever failed on the way.
bool stop_was_signalled() noexcept;

}  // namespace ocipush
