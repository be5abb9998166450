#include "oci_push/util/lent_place.h"

namespace ocipush {

namespace {
thread_local LendablePlace* this_threads_place = nullptr;
}  // namespace

PlaceLending::PlaceLending(LendablePlace& place) : previous_(this_threads_place) { this_threads_place = &place; }

PlaceLending::~PlaceLending() { this_threads_place = previous_; }

// While lent the place is not this thread's to lend again (a nested wait does nothing).
LentWhileWaiting::LentWhileWaiting() {
  LendablePlace* place = this_threads_place;
  if (!place || !place->lend()) return;
  lent_ = place;
  this_threads_place = nullptr;
}

LentWhileWaiting::~LentWhileWaiting() {
  if (!lent_) return;
  lent_->take_back();
  this_threads_place = lent_;
}

}  // namespace ocipush
