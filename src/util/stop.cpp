#include "oci_push/util/stop.h"

namespace ocipush {

namespace {
std::atomic<bool> g_stop{false};
std::atomic<bool> g_signalled{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop runs in a signal handler");
}  // namespace

void request_stop() noexcept {
  g_signalled.store(true);
  g_stop.store(true);
}

std::atomic<bool>& stop_flag() noexcept { return g_stop; }

bool stop_was_signalled() noexcept { return g_signalled.load(); }

}  // namespace ocipush
