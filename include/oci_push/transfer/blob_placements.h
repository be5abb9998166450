// Where the blobs of one run landed in a registry's repositories, for runs that push into several
// repositories of one registry at once (copy --from-file): the first push of a blob into the registry
// sends it; the others wait for it and mount it from the repository it landed in.
#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "oci_push/model/digest.h"

namespace ocipush {

class BlobPlacements {
 public:
  // For a push of `digest` into `registry`/`repo`: the repository of the registry it landed in (mount
  // it from there), else nullopt: this push sends it, and says landed() or abandoned() after. Waits
  // while another repository's push is sending it (until `stop`).
  std::optional<std::string> claim(const std::string& registry, const std::string& repo, const Digest& digest,
                                   const std::atomic<bool>& stop);
  void landed(const std::string& registry, const Digest& digest);
  // The claimed send failed: the next push that asks sends it.
  void abandoned(const std::string& registry, const Digest& digest);

 private:
  struct Place {
    std::string repository;
    bool landed = false;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::pair<std::string, Digest>, Place> places_;
};

// A claim held for the length of one blob's push: abandoned unless landed() was said.
class PlacementClaim {
 public:
  // `placements` null: no claim, nothing to mount from.
  PlacementClaim(BlobPlacements* placements, std::string registry, const std::string& repo, Digest digest,
                 const std::atomic<bool>& stop);
  ~PlacementClaim();
  PlacementClaim(const PlacementClaim&) = delete;
  PlacementClaim& operator=(const PlacementClaim&) = delete;
  const std::optional<std::string>& mount_from() const { return mount_from_; }
  void landed();

 private:
  BlobPlacements* placements_;
  std::string registry_;
  Digest digest_;
  std::optional<std::string> mount_from_;
  bool sending_ = false;
};

}  // namespace ocipush
