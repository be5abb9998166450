// Whole pushes through push_to_sinks against the in-memory sink: what lands, in which order, what is
// reused, and that a failure never leaves a tag.
#include "oci_push/transfer/push.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "fakes/error_of.h"
#include "fakes/memory_sink.h"
#include "oci_push/transfer/push_context.h"
#include "oci_push/util/byte_pipe.h"
#include "transfer/test_images.h"

namespace ocipush {
namespace {

using testing::MemorySink;
using testing::MemoryStore;

struct PushRun {
  PushOptions options;
  ThreadPool pool{2};
  SilentProgress progress;
  std::atomic<bool> stop{false};
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>();

  PushRun() {
    options.target = "memory.test/app:1";
    options.connection.retry.base_delay = Millis(1);
    options.connection.retry.max_delay = Millis(2);
  }
  PushResult push(const SourceContents& contents) {
    return push(contents, [&](const PushTarget&) { return std::make_unique<MemorySink>(store); });
  }
  PushResult push(const SourceContents& contents, const SinkOpener& open_sink) {
    PushContext context{options, pool, progress, nullptr, stop};
    auto jobs = plan_push_jobs(contents, SourceSpec{}, options);
    return push_to_sinks(jobs, open_sink, context);
  }
  size_t position(const std::string& call) {
    auto it = std::find(store->calls.begin(), store->calls.end(), call);
    EXPECT_NE(it, store->calls.end()) << call;
    return it - store->calls.begin();
  }
};

TEST(PushToSink, AnImageGoesUpBlobsFirstThenItsManifestUnderTheTag) {
  PushRun run;
  auto image = testing::uncompressed_image({"first layer", "second layer"});
  auto result = run.push(testing::contents_of({testing::named(image, "app:1")}));

  ASSERT_EQ(result.repositories.size(), 1u);
  const auto& pushed = result.repositories[0].manifest;
  const auto& stored = run.store->manifests["app"]["1"];
  EXPECT_EQ(sha256_of(stored.bytes), pushed.digest);
  EXPECT_EQ(stored.media_type, media_type::kDockerManifest);
  ImageManifest manifest = parse_image_manifest(stored.bytes, "stored");
  EXPECT_EQ(manifest.config.digest, image->config_digest);
  ASSERT_EQ(manifest.layers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const std::string& gz = run.store->blobs["app"][manifest.layers[i].digest];
    EXPECT_EQ(manifest.layers[i].size, gz.size());
    EXPECT_EQ(sha256_of(testing::zlib_gunzip(gz)), image->layers[i].diff_id);  // zlib reads our gzip
  }
  EXPECT_EQ(run.store->blobs["app"][image->config_digest], image->config);
  const size_t tag = run.position("MANIFEST app:1");
  for (const auto& l : manifest.layers) EXPECT_LT(run.position("PUT app " + l.digest.str()), tag);
  EXPECT_LT(run.position("PUT app " + image->config_digest.str()), tag);
}

TEST(PushToSink, AnUnchangedIndexKeepsItsBytesAndChildrenGoBeforeIt) {
  PushRun run;
  auto amd64 = testing::gzip_oci_image({"amd64 files"}, "amd64");
  auto arm64 = testing::gzip_oci_image({"arm64 files"}, "arm64");
  Artifact artifact;
  artifact.names = {"app:1"};
  artifact.index = testing::index_of({amd64, arm64}, {"amd64", "arm64"});
  auto result = run.push(testing::contents_of({artifact}));

  const auto& top = result.repositories[0].manifest;
  EXPECT_EQ(top.digest, artifact.index->digest);  // byte for byte: signatures over it survive
  EXPECT_EQ(run.store->manifests["app"]["1"].bytes, artifact.index->bytes);
  ASSERT_EQ(top.manifests.size(), 2u);
  EXPECT_EQ(top.manifests[1].platform->architecture, "arm64");
  const size_t tag = run.position("MANIFEST app:1");
  EXPECT_LT(run.position("MANIFEST app:" + amd64->manifest_digest.str()), tag);
  EXPECT_LT(run.position("MANIFEST app:" + arm64->manifest_digest.str()), tag);
  EXPECT_EQ(run.store->manifests["app"][arm64->manifest_digest.str()].bytes, *arm64->manifest);
}

TEST(PushToSink, AnIndexWhoseChildrenChangeIsRewrittenWithTheirNewDigests) {
  PushRun run;
  Artifact artifact;
  artifact.names = {"app:1"};
  artifact.index = testing::index_of({testing::uncompressed_image({"a"}), testing::uncompressed_image({"b"}, "arm64")},
                                     {"amd64", "arm64"});
  auto result = run.push(testing::contents_of({artifact}));

  const auto& stored = run.store->manifests["app"]["1"];
  EXPECT_NE(result.repositories[0].manifest.digest, artifact.index->digest);
  auto index = parse_image_index(stored.bytes, "stored");
  ASSERT_EQ(index.manifests.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(index.manifests[i].descriptor.digest, result.repositories[0].manifest.manifests[i].digest);
    EXPECT_TRUE(run.store->manifests["app"].count(index.manifests[i].descriptor.digest.str()));
  }
}

TEST(PushToSink, AllSendsEachImageToItsRepositoryAndMountsWhatTheFirstSent) {
  PushRun run;
  run.options.all = true;
  run.options.target = "memory.test/prefix";
  auto a = testing::uncompressed_image({"shared base", "only a"});
  auto b = testing::uncompressed_image({"shared base", "only b"});
  auto result = run.push(testing::contents_of({testing::named(a, "a:1"), testing::named(b, "b:2")}));

  ASSERT_EQ(result.repositories.size(), 2u);
  EXPECT_TRUE(run.store->manifests["prefix/a"].count("1"));
  EXPECT_TRUE(run.store->manifests["prefix/b"].count("2"));
  const Digest shared = result.repositories[0].manifest.layers[0].descriptor.digest;
  EXPECT_EQ(run.store->count("MOUNT prefix/b " + shared.str() + " from prefix/a"), 1u);
  EXPECT_TRUE(result.repositories[1].manifest.layers[0].skipped);
  EXPECT_EQ(run.store->count("PUT prefix/b " + shared.str()), 0u);  // mounted, not sent again
  const Digest only_b = result.repositories[1].manifest.layers[1].descriptor.digest;
  EXPECT_EQ(run.store->count("PUT prefix/b " + only_b.str()), 1u);
}

TEST(PushToSink, AMountTheSinkRefusesFallsBackToSendingTheBlob) {
  PushRun run;
  run.options.all = true;
  run.options.target = "memory.test/prefix";
  run.store->mounts = false;
  auto a = testing::uncompressed_image({"shared base"});
  auto b = testing::uncompressed_image({"shared base"});
  auto result = run.push(testing::contents_of({testing::named(a, "a:1"), testing::named(b, "b:1")}));

  const Digest shared = result.repositories[0].manifest.layers[0].descriptor.digest;
  EXPECT_EQ(run.store->count("MOUNT prefix/b"), 1u);
  EXPECT_TRUE(run.store->holds("prefix/b", shared));
  EXPECT_FALSE(result.repositories[1].manifest.layers[0].skipped);
  EXPECT_EQ(result.repositories[1].manifest.layers[0].descriptor.digest, shared);  // same bytes again
}

TEST(PushToSink, ARepushOfTheTaggedImageCompressesAndSendsNothing) {
  PushRun first;
  auto image = testing::uncompressed_image({"layer one", "layer two"});
  auto contents = testing::contents_of({testing::named(image, "app:1")});
  first.push(contents);

  PushRun again;  // a fresh runner: no cache, only what the sink holds
  again.store = first.store;
  again.store->calls.clear();
  auto result = again.push(contents);
  EXPECT_EQ(again.store->count("PUT"), 0u);                 // no blob written again
  EXPECT_EQ(again.store->count("GET MANIFEST app:1"), 1u);  // the target tag tells what is there
  for (const auto& l : result.repositories[0].manifest.layers) EXPECT_TRUE(l.skipped);
  EXPECT_EQ(result.repositories[0].manifest.digest, sha256_of(again.store->manifests["app"]["1"].bytes));
}

TEST(PushToSink, AFailingBlobLeavesNoManifestAndNoTag) {
  PushRun run;
  auto image = testing::gzip_oci_image({"good layer", "bad layer"});
  run.store->broken.insert(image->layers[1].descriptor->digest);
  std::string error = testing::error_of([&] { run.push(testing::contents_of({testing::named(image, "app:1")})); });
  EXPECT_NE(error.find("refused " + image->layers[1].descriptor->digest.str()), std::string::npos) << error;
  EXPECT_EQ(run.store->count("MANIFEST"), 0u);
  EXPECT_EQ(run.store->tag_count(), 0u);
}

TEST(PushToSink, ATransientBlobFailureIsRetriedFromTheSource) {
  PushRun run;
  auto image = testing::uncompressed_image({"flaky layer"});
  // The gzip digest is only known after a first push: learn it on a scratch store.
  PushRun scratch;
  const Digest gz = scratch.push(testing::contents_of({testing::named(image, "app:1")}))
                        .repositories[0]
                        .manifest.layers[0]
                        .descriptor.digest;
  run.store->busy.insert(gz);
  run.store->busy_failures = 2;
  auto result = run.push(testing::contents_of({testing::named(image, "app:1")}));
  EXPECT_EQ(run.store->count("PUT app " + gz.str()), 3u);  // two refused, the third kept
  EXPECT_TRUE(run.store->holds("app", gz));
  EXPECT_EQ(run.store->tag_count(), 1u);
}

TEST(PushToSink, ATargetDigestThatDoesNotMatchTagsNothing) {
  PushRun run;
  run.options.target = "memory.test/app@sha256:" + std::string(64, 'a');
  auto image = testing::uncompressed_image({"x"});
  std::string error = testing::error_of([&] { run.push(testing::contents_of({testing::named(image, "app:1")})); });
  EXPECT_NE(error.find("nothing tagged"), std::string::npos) << error;
  EXPECT_EQ(run.store->count("MANIFEST"), 0u);
}

TEST(PushToSink, DryRunSendsNothing) {
  PushRun run;
  run.options.dry_run = true;
  auto result = run.push(testing::contents_of({testing::named(testing::uncompressed_image({"x", "y"}), "app:1")}));
  EXPECT_TRUE(result.dry_run);
  EXPECT_EQ(run.store->count("START"), 0u);
  EXPECT_EQ(run.store->count("PUT"), 0u);
  EXPECT_EQ(run.store->count("MANIFEST"), 0u);
}

// A slow network in front of several layers at once: each blob's bytes pass through a small pipe that
// nobody drains until every blob being sent has been given bytes (or 10 s have passed).
struct StalledNetwork {
  std::mutex mutex;
  std::condition_variable changed;
  size_t started = 0;
  size_t expected;
  bool timed_out = false;

  explicit StalledNetwork(size_t blobs) : expected(blobs) {}
  void blob_started() {
    std::lock_guard lock(mutex);
    ++started;
    changed.notify_all();
  }
  void wait_for_every_blob() {
    std::unique_lock lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(10), [&] { return started >= expected; })) timed_out = true;
  }
};

class StalledWriter : public BlobWriter {
 public:
  StalledWriter(std::unique_ptr<BlobWriter> inner, StalledNetwork& network)
      : inner_(std::move(inner)), network_(network), drain_([this] { drain(); }) {}
  ~StalledWriter() override {
    pipe_.abort(std::make_exception_ptr(Error("writer abandoned")));
    if (drain_.joinable()) drain_.join();
  }
  void write(std::string_view data) override {
    if (!started_) network_.blob_started();
    started_ = true;
    pipe_.write(data);
  }
  void finish(const Digest& digest) override {
    pipe_.close();
    drain_.join();
    inner_->finish(digest);
  }

 private:
  void drain() {
    network_.wait_for_every_blob();
    char buf[1 << 16];
    try {
      for (size_t n; (n = pipe_.read(buf, sizeof buf)) > 0;) inner_->write(std::string_view(buf, n));
    } catch (const Error&) {  // abandoned
    }
  }
  std::unique_ptr<BlobWriter> inner_;
  StalledNetwork& network_;
  BytePipe pipe_{64 << 10};
  bool started_ = false;
  std::thread drain_;
};

class StalledSink : public MemorySink {
 public:
  StalledSink(std::shared_ptr<MemoryStore> store, StalledNetwork& network)
      : MemorySink(std::move(store)), network_(network) {}
  std::unique_ptr<BlobWriter> start_blob(const std::string& repo, const BlobStart& start) override {
    return std::make_unique<StalledWriter>(MemorySink::start_blob(repo, start), network_);
  }

 private:
  StalledNetwork& network_;
};

TEST(PushToSink, ALayerWhoseBytesWaitOnTheNetworkLendsItsCompressionTurnToAnother) {
  PushRun run;
  run.options.jobs = 3;  // three layers on the wire at once, but two compressing (two pool threads)
  std::mt19937 random(7);
  std::vector<std::string> layers(3);
  for (auto& layer : layers)
    for (int i = 0; i < (3 << 20); ++i) layer.push_back(static_cast<char>(random()));  // gzip cannot shrink it
  StalledNetwork network(layers.size());
  auto image = testing::uncompressed_image(layers);
  auto result = run.push(testing::contents_of({testing::named(image, "app:1")}),
                         [&](const PushTarget&) { return std::make_unique<StalledSink>(run.store, network); });
  // Two layers fill their pipes and wait; only if they lend their turns does the third compress at all.
  EXPECT_FALSE(network.timed_out) << "a layer waiting on the network kept its compression turn";
  EXPECT_EQ(network.started, 3u);
  EXPECT_EQ(run.store->tag_count(), 1u);
  for (const auto& l : result.repositories[0].manifest.layers) EXPECT_TRUE(run.store->holds("app", l.descriptor.digest));
}

}  // namespace
}  // namespace ocipush
