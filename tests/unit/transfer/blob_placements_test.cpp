// A blob pushed into several repositories of one registry in one run is sent by the first push; the
// others wait for it, then mount it from where it landed; a failed send lets the next push send it.
#include "oci_push/transfer/blob_placements.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using namespace std::chrono_literals;

const Digest kBlob = *Digest::parse("sha256:" + std::string(64, 'c'));

TEST(BlobPlacements, TheSecondRepositoryWaitsThenMountsFromTheFirst) {
  BlobPlacements places;
  std::atomic<bool> stop{false};
  EXPECT_EQ(places.claim("r", "one", kBlob, stop), std::nullopt);  // one sends it
  auto two = std::async(std::launch::async, [&] { return places.claim("r", "two", kBlob, stop); });
  EXPECT_EQ(two.wait_for(150ms), std::future_status::timeout) << "two did not wait for one's send";
  places.landed("r", kBlob);
  EXPECT_EQ(two.get(), "one");
  EXPECT_EQ(places.claim("other-registry", "two", kBlob, stop), std::nullopt) << "registries are apart";
}

TEST(BlobPlacements, AnAbandonedSendIsTakenOverByTheNextPush) {
  BlobPlacements places;
  std::atomic<bool> stop{false};
  {
    PlacementClaim first(&places, "r", "one", kBlob, stop);
    EXPECT_FALSE(first.mount_from());
  }  // failed: never landed()
  PlacementClaim second(&places, "r", "two", kBlob, stop);
  EXPECT_FALSE(second.mount_from());
  second.landed();
  PlacementClaim third(&places, "r", "three", kBlob, stop);
  EXPECT_EQ(third.mount_from(), "two");
}

TEST(BlobPlacements, AWaitEndsWithTheStopFlag) {
  BlobPlacements places;
  std::atomic<bool> stop{false};
  (void)places.claim("r", "one", kBlob, stop);
  auto two = std::async(std::launch::async, [&] { return places.claim("r", "two", kBlob, stop); });
  stop = true;
  EXPECT_THROW(two.get(), Interrupted);
}

TEST(BlobPlacements, NoPlacementsNoClaim) {
  std::atomic<bool> stop{false};
  PlacementClaim none(nullptr, "r", "one", kBlob, stop);
  EXPECT_FALSE(none.mount_from());
  none.landed();
}

}  // namespace
}  // namespace ocipush
