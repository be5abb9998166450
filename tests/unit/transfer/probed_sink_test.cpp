// ProbedSink asks about a blob once: a second question while the first HEAD is in flight (prefetch on
// one thread, a layer on another) waits for its answer instead of sending another.
#include "oci_push/transfer/probed_sink.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <semaphore>

#include "fakes/memory_sink.h"

namespace ocipush {
namespace {

using namespace std::chrono_literals;

// Its first HEAD waits at a gate until the test opens it; any other is answered at once.
class GatedSink : public testing::MemorySink {
 public:
  using MemorySink::MemorySink;
  std::binary_semaphore entered{0}, gate{0};
  std::atomic<int> heads{0};
  std::optional<uint64_t> blob_size(const std::string& repo, const Digest& digest) override {
    if (heads.fetch_add(1) == 0) {
      entered.release();
      gate.acquire();
    }
    return MemorySink::blob_size(repo, digest);
  }
};

TEST(ProbedSink, AQuestionWhileItsHeadIsInFlightWaitsForThatAnswer) {
  auto store = std::make_shared<testing::MemoryStore>();
  const std::string blob = "held";
  const Descriptor d{"", sha256_of(blob), blob.size(), {}, {}};
  store->blobs["app"][d.digest] = blob;
  GatedSink sink(store);
  ProbedSink to(sink);
  auto first = std::async(std::launch::async, [&] { return to.has("app", d); });
  sink.entered.acquire();  // the first HEAD is in flight
  auto second = std::async(std::launch::async, [&] { return to.has("app", d); });
  EXPECT_EQ(second.wait_for(100ms), std::future_status::timeout) << "answered before the HEAD came back";
  sink.gate.release();
  EXPECT_TRUE(first.get());
  EXPECT_TRUE(second.get());
  EXPECT_EQ(store->count("HEAD "), 1u);
  EXPECT_EQ(sink.heads.load(), 1) << "a second HEAD was sent";
}

}  // namespace
}  // namespace ocipush
