// Big blobs over the registry protocol (FakeRegistry behind FakeHttpClient): a few streamed PATCHes per
// blob, a broken request resumed from what the registry holds with the blob made again from its
// source, sessions remembered across runs, and the round trips a many-layer push makes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "fakes/scratch.h"
#include "oci_push/io/file_source.h"
#include "transfer/http_push_run.h"
#include "transfer/test_images.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;
using testing::HttpRun;

// Bytes that gzip barely shrinks, so a layer of N MiB is an upload of about N MiB.
using testing::noise;

// A scratch directory: the layer files (a stable identity, as a real file has) and the cache.
struct Scratch : testing::ScratchDir {
  Scratch() : ScratchDir("oci_push_streamed") {}
  // An image whose one layer is a file of `size` bytes.
  std::shared_ptr<Image> file_image(size_t size, unsigned seed) {
    auto image = testing::uncompressed_image({noise(size, seed)});
    const fs::path path = dir / ("layer" + std::to_string(seed) + ".tar");
    std::ofstream(path, std::ios::binary) << noise(size, seed);
    image->layers[0].bytes = std::make_shared<FileSource>(path.string());
    return image;
  }
};

uint64_t layer_size(const PushResult& r) { return r.repositories[0].manifest.layers[0].descriptor.size; }

TEST(StreamedPush, ABigLayerGoesInOneStreamedPatchThenItsDigest) {
  Scratch scratch;
  HttpRun run;
  auto result = run.push(testing::contents_of({testing::named(scratch.file_image(3 << 20, 1), "app:1")}));
  EXPECT_EQ(run.requests("PATCH", "/blobs/uploads/"), 1u);
  EXPECT_EQ(run.registry.patch_bytes, layer_size(result));
  EXPECT_EQ(run.store->tag_count(), 1u);
  EXPECT_EQ(result.repositories[0].manifest.layers[0].resumed_bytes, 0u);
}

TEST(StreamedPush, ChunkSizeCutsTheStreamIntoThatManyRequests) {
  Scratch scratch;
  HttpRun run;
  run.options.chunk_size = 1 << 20;  // below the CLI's floor, to keep the test small
  auto result = run.push(testing::contents_of({testing::named(scratch.file_image(3 << 20, 2), "app:1")}));
  const uint64_t size = layer_size(result);
  EXPECT_EQ(run.requests("PATCH", "/blobs/uploads/"), (size + (1 << 20) - 1) >> 20);
  EXPECT_EQ(run.registry.patch_bytes, size);
}

TEST(StreamedPush, ABrokenRequestResumesWhereTheRegistryStoppedWithoutSendingAnythingTwice) {
  Scratch scratch;
  HttpRun run;
  run.registry.reset_patch_after = 1500000;
  auto result = run.push(testing::contents_of({testing::named(scratch.file_image(3 << 20, 3), "app:1")}));
  const uint64_t size = layer_size(result);
  EXPECT_EQ(run.registry.patch_bytes, size);  // the 1.5 MB it held were skipped, not sent again
  EXPECT_EQ(result.repositories[0].manifest.layers[0].resumed_bytes, 1500000u);
  EXPECT_EQ(run.registry.sessions_started, 1 + 1);  // the layer's one session, and the config's
  EXPECT_EQ(sha256_of(run.store->blobs["app"][result.repositories[0].manifest.layers[0].descriptor.digest]),
            result.repositories[0].manifest.layers[0].descriptor.digest);
}

TEST(StreamedPush, ARegistryWhoseRangeLagsIsResumedFromTheLastAnswerThenAFreshSession) {
  Scratch scratch;
  HttpRun run;
  run.options.chunk_size = 1 << 20;
  run.registry.stale_range = true;
  run.registry.reset_patch_after = 500000;  // in the second request: its half-MB stays in the session
  run.registry.patch_bytes = 0;
  auto image = scratch.file_image(3 << 20, 4);
  // The first request goes through whole; arm the reset for the second one.
  run.registry.reset_patch_after.reset();
  int patches = 0;
  run.http.serve([&](const HttpRequest& r) {
    if (r.method == "PATCH" && ++patches == 2) run.registry.reset_patch_after = 500000;
    return run.registry.handle(r);
  });
  auto result = run.push(testing::contents_of({testing::named(image, "app:1")}));
  // Resumed at 1 MiB (the acknowledged end; the registry's Range says less), which leaves the half MB
  // the cut request stored in front of the rest: the digest fails, and a fresh session sends it all.
  EXPECT_EQ(run.registry.sessions_started, 2 + 1);
  EXPECT_EQ(run.store->tag_count(), 1u);
  const auto& layer = result.repositories[0].manifest.layers[0];
  EXPECT_EQ(sha256_of(run.store->blobs["app"][layer.descriptor.digest]), layer.descriptor.digest);
}

TEST(StreamedPush, ASessionTheRegistryForgotIsStartedAgain) {
  Scratch scratch;
  HttpRun run;
  run.registry.reset_patch_after = 1000000;
  run.registry.forget_sessions = true;
  auto result = run.push(testing::contents_of({testing::named(scratch.file_image(2 << 20, 5), "app:1")}));
  EXPECT_EQ(run.registry.sessions_started, 2 + 1);
  EXPECT_EQ(run.registry.patch_bytes, 1000000u + layer_size(result));
  EXPECT_EQ(run.store->tag_count(), 1u);
}

TEST(StreamedPush, ARunThatGaveUpLeavesItsSessionForTheNextRunToFinish) {
  Scratch scratch;
  auto image = scratch.file_image(3 << 20, 6);
  auto contents = testing::contents_of({testing::named(image, "app:1")});
  HttpRun first(0);  // no retries: the reset ends the run
  first.cache = std::make_unique<DigestCache>((scratch.dir / "cache").string());
  first.registry.reset_patch_after = 2000000;
  EXPECT_THROW(first.push(contents), Error);
  EXPECT_EQ(first.store->tag_count(), 0u);

  HttpRun second;  // the same registry and cache, another process
  second.store = first.store;
  second.http.serve([&](const HttpRequest& r) { return first.registry.handle(r); });
  second.cache = std::make_unique<DigestCache>((scratch.dir / "cache").string());
  const uint64_t before = first.registry.patch_bytes;
  auto result = second.push(contents);
  EXPECT_EQ(result.repositories[0].manifest.layers[0].resumed_bytes, 2000000u);
  EXPECT_EQ(first.registry.patch_bytes - before, layer_size(result) - 2000000u);
  EXPECT_EQ(first.store->tag_count(), 1u);
  for (const auto& e : fs::recursive_directory_iterator(scratch.dir / "cache" / "uploads"))
    ADD_FAILURE() << "session kept after the blob was finished: " << e.path();
}

TEST(StreamedPush, AManifestRefusedForALostBlobGetsTheBlobAgainThenTheTag) {
  Scratch scratch;
  HttpRun run;
  run.registry.blob_unknown_manifests = 1;
  auto image = testing::uncompressed_image({"small layer"});
  auto result = run.push(testing::contents_of({testing::named(image, "app:1")}));
  EXPECT_EQ(run.requests("PUT", "/manifests/1"), 2u);
  EXPECT_EQ(run.store->tag_count(), 1u);
  EXPECT_EQ(sha256_of(run.store->manifests["app"]["1"].bytes), result.repositories[0].manifest.digest);
}

TEST(StreamedPush, ManySmallLayersCostTwoRequestsEachColdAndOneHeadEachWarm) {
  std::vector<std::string> layers;
  for (int i = 0; i < 20; ++i) layers.push_back("small layer " + std::to_string(i));
  auto contents = testing::contents_of({testing::named(testing::uncompressed_image(layers), "app:1")});
  HttpRun cold;
  cold.push(contents);
  // Per layer: a POST (a monolithic upload; this registry starts a session instead) and one PUT.
  EXPECT_EQ(cold.requests("POST", "/blobs/uploads/"), 20u + 1);
  EXPECT_EQ(cold.requests("PUT", "/blobs/uploads/"), 20u + 1);
  EXPECT_EQ(cold.requests("PATCH", ""), 0u);
  EXPECT_EQ(cold.requests("HEAD", "/blobs/"), 1u);  // the config; nothing is confirmed twice

  HttpRun warm;  // a fresh runner: the tag says what is there, one HEAD per blob
  warm.store = cold.store;
  warm.http.serve([&](const HttpRequest& r) { return cold.registry.handle(r); });
  auto result = warm.push(contents);
  EXPECT_EQ(warm.requests("HEAD", "/blobs/"), 20u + 1);
  EXPECT_EQ(warm.requests("POST", ""), 0u);
  EXPECT_EQ(warm.requests("PUT", "/manifests/1"), 1u);
  EXPECT_EQ(warm.http.requests.size(), 1u + 2 + 21 + 1);  // ping, tag manifest + config, HEADs, tag
  for (const auto& l : result.repositories[0].manifest.layers) EXPECT_TRUE(l.skipped);
}

}  // namespace
}  // namespace ocipush
