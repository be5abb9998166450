// Pulls through RegistryClient (FakeRegistry behind FakeHttpClient) into a real LayoutSink directory:
// what lands in the layout, byte for byte, and how a broken or half-written blob is continued.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fakes/scratch.h"
#include "oci_push/formats/layout_sink.h"
#include "oci_push/io/file_source.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/blob_feeds.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/transfer/registry_source.h"
#include "transfer/http_push_run.h"
#include "transfer/test_images.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;
using testing::HttpRun;
using testing::noise;

std::string file(const fs::path& path) { return read_all(FileSource(path.string()), 64 << 20); }

// A registry holding app:1 (pushed as it is: an OCI image, or an index of two), and pulls from it.
struct PullRun {
  HttpRun registry;
  testing::ScratchDir scratch{"oci_push_pull"};
  fs::path root = scratch.dir / "layout";
  PushOptions options;

  unsigned ranges = 0;  // as on loopback: one stream per blob
  PullRun() { options.use_cache = false; }
  Digest big_layer;

  void serve(Artifact artifact) {
    artifact.names = {"app:1"};
    registry.push(testing::contents_of({artifact}));
  }
  void serve(std::shared_ptr<Image> image) {
    Artifact a;
    a.image = std::move(image);
    serve(std::move(a));
  }
  // An image of one layer big enough for ranges, served; its layer's digest.
  Digest serve_big(unsigned seed) {
    auto big = testing::gzip_oci_image({noise(34 << 20, seed)});
    serve(big);
    return big->layers[0].descriptor->digest;
  }
  std::shared_ptr<Image> image(unsigned seed, const std::string& arch = "amd64") {
    auto image = testing::gzip_oci_image({noise(3 << 20, seed), "small"}, arch);
    big_layer = image->layers[0].descriptor->digest;
    return image;
  }
  PushResult pull(const std::string& text = "registry.test/app:1", const std::vector<Platform>& platforms = {}) {
    auto client = std::make_shared<RegistryClient>(registry.http, "registry.test", testing::fast_retries(3));
    client->set_blob_ranges(ranges);
    client->ping();
    Reference ref = parse_reference(text);
    auto read = read_registry_artifact(client, ref, platforms);
    PushTarget target{ref.registry, ref.api_host(), ref.repository, {ref.tag.value_or("latest")}, {}};
    PushContext context{options, registry.pool, registry.progress, nullptr, registry.stop};
    registry.stop = false;
    return push_to_sinks(
        {{read.artifact, target}},
        [&](const PushTarget& t) { return std::make_unique<LayoutSink>(root.string(), t.registry); }, context);
  }
  fs::path blob(const Digest& d) const { return root / "blobs" / d.algorithm / d.hex; }
  size_t gets(const std::string& part) const { return registry.requests("GET", part); }
};

TEST(Pull, AnImageLandsInTheLayoutByteForByteAndNamed) {
  PullRun run;
  auto image = run.image(1);
  run.serve(image);
  auto result = run.pull();
  EXPECT_EQ(result.repositories[0].manifest.digest, image->manifest_digest);
  EXPECT_EQ(file(run.blob(image->manifest_digest)), *image->manifest);
  EXPECT_EQ(file(run.blob(image->config_digest)), image->config);
  for (const auto& l : image->layers) EXPECT_EQ(sha256_of(file(run.blob(l.descriptor->digest))), l.descriptor->digest);
  auto index = parse_image_index(file(run.root / "index.json"), "index.json");
  ASSERT_EQ(index.manifests.size(), 1u);
  EXPECT_EQ(index.manifests[0].descriptor.digest, image->manifest_digest);
  EXPECT_EQ(index.manifests[0].descriptor.annotations.at(kRefNameAnnotation), "registry.test/app:1");
  EXPECT_EQ(index.manifests[0].descriptor.annotations.at(kContainerdNameAnnotation), "registry.test/app:1");
  EXPECT_TRUE(fs::exists(run.root / "oci-layout"));
}

TEST(Pull, ASecondPullFetchesNoBlob) {
  PullRun run;
  run.serve(run.image(2));
  run.pull();
  const size_t before = run.gets("/blobs/");
  run.pull();
  EXPECT_EQ(run.gets("/blobs/"), before + 1);  // the config, read to walk the image; no layer
  EXPECT_EQ(run.gets(run.big_layer.hex), 1u);
}

TEST(Pull, ABrokenGetIsContinuedWithRangeAndNothingIsFetchedTwice) {
  PullRun run;
  run.serve(run.image(3));
  run.registry.registry.reset_get_after = 1 << 20;
  run.registry.registry.get_bytes = 0;
  run.pull();
  EXPECT_EQ(sha256_of(file(run.blob(run.big_layer))), run.big_layer);
  bool ranged = false;
  for (const auto& r : run.registry.http.requests)
    ranged = ranged || (r.url.find(run.big_layer.hex) != std::string::npos && r.header("Range").starts_with("bytes="));
  EXPECT_TRUE(ranged);
  const uint64_t layer_size = run.registry.store->blobs["app"][run.big_layer].size();
  EXPECT_LE(run.registry.registry.get_bytes, layer_size + (64 << 10));  // the configs and the small layer
}

TEST(Pull, AHalfWrittenBlobLeftByAKilledRunIsContinued) {
  PullRun run;
  run.serve(run.image(4));
  const std::string whole = run.registry.store->blobs["app"][run.big_layer];
  prepare_layout(run.root.string());
  std::ofstream(run.blob(run.big_layer).string() + ".partial", std::ios::binary) << whole.substr(0, whole.size() / 2);
  run.registry.registry.get_bytes = 0;
  run.pull();
  EXPECT_EQ(file(run.blob(run.big_layer)), whole);
  EXPECT_FALSE(fs::exists(run.blob(run.big_layer).string() + ".partial"));
  EXPECT_LT(run.registry.registry.get_bytes, whole.size() / 2 + (64 << 10));
}

TEST(Pull, AWrongHalfWrittenBlobIsRefusedNotKeptAndNothingIsNamed) {
  PullRun run;
  run.serve(run.image(5));
  prepare_layout(run.root.string());
  std::ofstream(run.blob(run.big_layer).string() + ".partial", std::ios::binary) << std::string(1000, 'x');
  EXPECT_THROW(run.pull(), Error);
  EXPECT_FALSE(fs::exists(run.blob(run.big_layer)));
  EXPECT_FALSE(fs::exists(run.blob(run.big_layer).string() + ".partial"));
  EXPECT_FALSE(fs::exists(run.root / "index.json"));
}

TEST(Pull, AnIndexKeepsEveryPlatformAndItsDigest) {
  PullRun run;
  auto index = testing::index_of({run.image(6, "amd64"), run.image(7, "arm64")}, {"amd64", "arm64"});
  Artifact a;
  a.index = index;
  run.serve(a);
  auto result = run.pull();
  EXPECT_EQ(result.repositories[0].manifest.digest, index->digest);
  EXPECT_EQ(file(run.blob(index->digest)), index->bytes);
  for (const auto& child : index->children) EXPECT_TRUE(fs::exists(run.blob(child.image->manifest_digest)));
}

TEST(Pull, APlatformFilterKeepsOnlyThatPlatformUnderANewDigest) {
  PullRun run;
  auto amd = run.image(8, "amd64");
  auto arm = run.image(9, "arm64");
  auto index = testing::index_of({amd, arm}, {"amd64", "arm64"});
  Artifact a;
  a.index = index;
  run.serve(a);
  auto result = run.pull("registry.test/app:1", {Platform::parse("linux/arm64")});
  EXPECT_NE(result.repositories[0].manifest.digest, index->digest);
  EXPECT_TRUE(fs::exists(run.blob(arm->layers[0].descriptor->digest)));
  EXPECT_FALSE(fs::exists(run.blob(amd->layers[0].descriptor->digest)));
  auto stored = parse_image_index(file(run.blob(result.repositories[0].manifest.digest)), "stored");
  ASSERT_EQ(stored.manifests.size(), 1u);
  EXPECT_EQ(stored.manifests[0].descriptor.digest, arm->manifest_digest);
}

TEST(Pull, AMissingTagIsOneErrorNamingIt) {
  PullRun run;
  run.serve(run.image(10));
  try {
    run.pull("registry.test/app:nope");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("app:nope"), std::string::npos) << e.what();
  }
}

size_t bounded_ranges(const PullRun& run, const Digest& d) {
  size_t n = 0;
  for (const auto& r : run.registry.http.requests)
    n += r.url.find(d.hex) != std::string::npos && r.header("Range").find('-') + 1 < r.header("Range").size() &&
         r.header("Range") != "<none>";
  return n;
}

TEST(Pull, ABigBlobComesInParallelRangesReassembledInOrderEvenThroughAReset) {
  PullRun run;
  const Digest big = run.serve_big(11);
  run.ranges = kDefaultRangeWorkers;
  run.registry.registry.get_bytes = 0;
  run.registry.registry.reset_get_after = 9 << 20;  // inside a range, past a few others
  run.pull();
  EXPECT_EQ(file(run.blob(big)), run.registry.store->blobs["app"][big]);
  EXPECT_GE(bounded_ranges(run, big), (34u << 20) / kRangeBytes);
  EXPECT_FALSE(run.registry.registry.reset_get_after) << "the reset never happened";
}

TEST(Pull, WithoutRangesABigBlobIsOneStream) {
  PullRun run;
  const Digest big = run.serve_big(13);
  run.pull();
  EXPECT_EQ(bounded_ranges(run, big), 0u);
  EXPECT_EQ(run.gets(big.hex), 1u);
}

TEST(Pull, ARegistryThatIgnoresRangeGetsOneStreamInstead) {
  PullRun run;
  const Digest big = run.serve_big(12);
  run.registry.registry.ignore_range = true;
  run.ranges = kDefaultRangeWorkers;
  run.pull();
  EXPECT_EQ(file(run.blob(big)), run.registry.store->blobs["app"][big]);
  EXPECT_GE(bounded_ranges(run, big), 1u);                  // asked for ranges first
  EXPECT_LE(run.gets(big.hex), kDefaultRangeWorkers + 1u);  // then one stream, not a range after another
}

TEST(CopyList, PairsAreReadCommentsSkippedAndABadLineNamed) {
  auto pairs =
      parse_copy_list("# mirror\n\nr:5000/a:1  m:5000/a:1\n  r:5000/b@sha256:" + std::string(64, 'a') + " m:5000/b:2\n",
                      "list");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].source, "r:5000/a:1");
  EXPECT_EQ(pairs[1].target, "m:5000/b:2");
  try {
    parse_copy_list("r:5000/a:1 m:5000/a:1\nr:5000/a:1\n", "list");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("list:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_copy_list("# nothing\n", "list"), UsageError);
  EXPECT_THROW(parse_copy_list("r:5000/A:1 m:5000/a:1\n", "list"), UsageError);  // not a reference
}

TEST(LayoutIndex, AnEntryIsAddedOrReplacedByNameAndOthersKept) {
  Descriptor d1{"application/vnd.oci.image.manifest.v1+json", sha256_of("1"), 1, {}, {}};
  Descriptor d2{"application/vnd.oci.image.manifest.v1+json", sha256_of("2"), 2, {}, {}};
  std::string one = index_with_entry("", d1, "r/a:1");
  std::string two = index_with_entry(one, d2, "r/b:1");
  std::string again = index_with_entry(two, d2, "r/a:1");
  auto parsed = parse_image_index(again, "index");
  ASSERT_EQ(parsed.manifests.size(), 2u);
  EXPECT_EQ(parsed.manifests[0].descriptor.annotations.at(kRefNameAnnotation), "r/b:1");
  EXPECT_EQ(parsed.manifests[1].descriptor.digest, d2.digest);
  EXPECT_EQ(parsed.manifests[1].descriptor.annotations.at(kContainerdNameAnnotation), "r/a:1");
}

// Two writers of one blob into one layout: the first has written its start when the second (on a thread
// of its own) asks for the blob and waits for the first's lock, then writes all of it.
struct TwoWriters {
  testing::ScratchDir scratch;
  LayoutSink sink{(scratch.dir / "l").string(), "r"};
  std::string bytes;
  Descriptor d;
  BlobStart start;
  std::unique_ptr<BlobWriter> first;
  std::string error;  // what the second writer threw
  std::thread second;

  explicit TwoWriters(unsigned seed) : bytes(noise(1 << 20, seed)), d{"", sha256_of(bytes), bytes.size(), {}, {}} {
    start.blob = d;
    first = sink.start_blob("repo", start);
    first->write(std::string_view(bytes).substr(0, 1000));
    second = std::thread([this] {
      try {
        auto writer = sink.start_blob("repo", start);
        writer->write(bytes);
        writer->finish(d.digest);
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fs::path blob() const { return scratch.dir / "l" / "blobs" / "sha256" / d.digest.hex; }
};

TEST(LayoutSinkTest, ASecondWriterOfOneBlobWaitsAndFindsItDone) {
  TwoWriters w(3);
  w.first->write(std::string_view(w.bytes).substr(1000));
  w.first->finish(w.d.digest);
  w.first.reset();
  w.second.join();
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(file(w.blob()), w.bytes);
  EXPECT_FALSE(fs::exists(w.blob().string() + ".partial"));
}

TEST(LayoutSinkTest, ASecondWriterOfOneBlobTakesOverWhenTheFirstGivesUp) {
  TwoWriters w(4);
  w.first.reset();  // abandoned: its partial file is removed
  w.second.join();
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(file(w.blob()), w.bytes);
}

TEST(LayoutSinkTest, ANonEmptyDirectoryThatIsNoLayoutIsRefusedUntouched) {
  testing::ScratchDir scratch;
  std::ofstream(scratch.dir / "precious.txt") << "keep";
  EXPECT_THROW(LayoutSink((scratch.dir).string(), "r"), Error);
  EXPECT_FALSE(fs::exists(scratch.dir / "oci-layout"));
  EXPECT_FALSE(fs::exists(scratch.dir / "blobs"));
}

}  // namespace
}  // namespace ocipush
