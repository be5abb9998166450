// One of a semaphore's places, held for a scope (a compressing layer, a big blob on the wire).
#pragma once
#include <semaphore>

#include "oci_push/util/lent_place.h"

namespace ocipush {

// Lendable (lent_place.h): a compressing layer lends its place out while its output waits on the
// network, if one of `lendings` (how many places may be lent at once) is free. Each lent place lets one
// more layer compress, and hold its window of blocks, so `lendings` bounds what lending adds to memory.
class Turn : public LendablePlace {
 public:
  Turn(std::counting_semaphore<>& places, std::counting_semaphore<>* lendings = nullptr)
      : places_(places), lendings_(lendings) {
    places_.acquire();
  }
  ~Turn() override {
    if (held_) places_.release();
  }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;
  bool lend() override {
    if (!lendings_ || !lendings_->try_acquire()) return false;
    held_ = false;
    places_.release();
    return true;
  }
  void take_back() override {
    places_.acquire();
    held_ = true;
    lendings_->release();
  }

 private:
  std::counting_semaphore<>& places_;
  std::counting_semaphore<>* lendings_;
  bool held_ = true;
};

}  // namespace ocipush
