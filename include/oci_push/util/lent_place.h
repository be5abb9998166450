// A thread that holds one of a few scarce places (a compressing layer's turn) lends it out while it
// waits on the network, so that another layer may compress meanwhile. The holder names its place for
// a scope (PlaceLending); a wait that may be long (a full pipe into an HTTP body) runs inside
// LentWhileWaiting, which gives this thread's place up and takes it back, or does nothing on a thread
// that holds none. Thread-local, so the pipe needs to know nothing of who holds what.
#pragma once

namespace ocipush {

class LendablePlace {
 public:
  virtual ~LendablePlace() = default;
  virtual bool lend() = 0;       // gives the place up, or says it cannot be lent now (false)
  virtual void take_back() = 0;  // after a lend() that said true: blocks until it is held again
};

// Makes `place` this thread's lendable place for the scope (the one before comes back after it).
class PlaceLending {
 public:
  explicit PlaceLending(LendablePlace& place);
  ~PlaceLending();
  PlaceLending(const PlaceLending&) = delete;
  PlaceLending& operator=(const PlaceLending&) = delete;

 private:
  LendablePlace* previous_;
};

// This thread's place, if it has one and it can be lent now, is lent out for the scope.
class LentWhileWaiting {
 public:
  LentWhileWaiting();
  ~LentWhileWaiting();
  LentWhileWaiting(const LentWhileWaiting&) = delete;
  LentWhileWaiting& operator=(const LentWhileWaiting&) = delete;

 private:
  LendablePlace* lent_ = nullptr;
};

}  // namespace ocipush
