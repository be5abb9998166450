// One of a semaphore's places, held for a scope (a compressing layer, a big blob on the wire).
#pragma once
#include <semaphore>

#include "oci_push/util/lent_place.h"

namespace ocipush {

// Lendable (lent_place.h): a compressing layer lends its place out while its output waits on the
// network.
class Turn : public LendablePlace {
 public:
  explicit Turn(std::counting_semaphore<>& places) : places_(places) { places_.acquire(); }
  ~Turn() override {
    if (held_) places_.release();
  }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;
  void lend() override {
    held_ = false;
    places_.release();
  }
  void take_back() override {
    places_.acquire();
    held_ = true;
  }

 private:
  std::counting_semaphore<>& places_;
  bool held_ = true;
};

}  // namespace ocipush
