#include "oci_push/transfer/blob_placements.h"

#include <chrono>

#include "oci_push/util/error.h"

namespace ocipush {

std::optional<std::string> BlobPlacements::claim(const std::string& registry, const std::string& repo,
                                                 const Digest& digest, const std::atomic<bool>& stop) {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto it = places_.find({registry, digest});
    if (it == places_.end()) {
      places_[{registry, digest}] = Place{repo, false};
      return std::nullopt;
    }
    if (it->second.landed) return it->second.repository;
    if (it->second.repository == repo) return std::nullopt;  // this repository's own push of it
    if (stop.load()) throw Interrupted();
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void BlobPlacements::landed(const std::string& registry, const Digest& digest) {
  std::lock_guard lock(mutex_);
  places_[{registry, digest}].landed = true;
  changed_.notify_all();
}

void BlobPlacements::abandoned(const std::string& registry, const Digest& digest) {
  std::lock_guard lock(mutex_);
  if (auto it = places_.find({registry, digest}); it != places_.end() && !it->second.landed) places_.erase(it);
  changed_.notify_all();
}

PlacementClaim::PlacementClaim(BlobPlacements* placements, std::string registry, const std::string& repo,
                               Digest digest, const std::atomic<bool>& stop)
    : placements_(placements), registry_(std::move(registry)), digest_(std::move(digest)) {
  if (!placements_) return;
  mount_from_ = placements_->claim(registry_, repo, digest_, stop);
  sending_ = !mount_from_;
}

PlacementClaim::~PlacementClaim() {
  if (sending_) placements_->abandoned(registry_, digest_);
}

void PlacementClaim::landed() {
  if (!sending_) return;
  placements_->landed(registry_, digest_);
  sending_ = false;
}

}  // namespace ocipush
