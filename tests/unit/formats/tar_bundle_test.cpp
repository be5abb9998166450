// The tarball bundle written in place: its entries where the plan put them, manifest.json for docker,
// index.json for OCI, and a run that stopped leaving its completed blobs to the next.
#include "oci_push/formats/tar_bundle.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fakes/scratch.h"
#include "oci_push/io/file_source.h"
#include "oci_push/io/tar_index.h"
#include "oci_push/io/tar_writing.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;

Descriptor of(std::string_view bytes) { return {"", sha256_of(bytes), bytes.size(), {}, {}}; }

struct Bundle {
  testing::ScratchDir scratch{"oci_push_tar_bundle"};
  std::string path = (scratch.dir / "b.tar").string();
  std::string config = R"({"rootfs":{"type":"layers","diff_ids":[]}})";
  std::string layer = testing::noise(3000, 1);
  std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      sha256_of(config).str() + R"(","size":)" + std::to_string(config.size()) +
      R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" + sha256_of(layer).str() +
      R"(","size":3000}]})";
  std::vector<Descriptor> plan{of(manifest), of(config), of(layer)};
};

TEST(TarBundle, EveryBlobLandsWhereTheTarSaysWithBothIndexes) {
  Bundle b;
  TarBundle bundle(b.path, b.plan, Platform{"linux", "amd64", ""});
  bundle.put_blob(sha256_of(b.config), b.config);
  auto writer = bundle.start_blob(of(b.layer));
  writer->write(b.layer.substr(0, 1000));
  writer->write(b.layer.substr(1000));
  writer->finish(sha256_of(b.layer));
  bundle.put_manifest("application/vnd.oci.image.manifest.v1+json", b.manifest, "r:5000/app:1");
  bundle.finish();
  EXPECT_FALSE(fs::exists(b.path + ".partial"));
  FileSource tar(b.path);
  auto index = TarIndex::build(tar);
  for (const auto* content : {&b.config, &b.layer, &b.manifest}) {
    auto entry = index.find("blobs/sha256/" + sha256_of(*content).hex);
    ASSERT_TRUE(entry);
    EXPECT_EQ(read_exact(tar, entry->offset, entry->size), *content);
  }
  auto saved = index.find("manifest.json");
  ASSERT_TRUE(saved);
  EXPECT_EQ(read_exact(tar, saved->offset, saved->size),
            docker_save_manifest({{"r:5000/app:1", sha256_of(b.config), {sha256_of(b.layer)}}}));
  EXPECT_TRUE(index.find("index.json"));
  EXPECT_TRUE(index.find("oci-layout"));
}

TEST(TarBundle, ABlobCompletedBeforeAStopIsHeldByTheNextRunOfTheSamePlan) {
  Bundle b;
  {
    TarBundle first(b.path, b.plan, Platform{"linux", "amd64", ""});
    first.put_blob(sha256_of(b.config), b.config);
    auto writer = first.start_blob(of(b.layer));
    writer->write(b.layer.substr(0, 100));  // stopped here
  }
  TarBundle second(b.path, b.plan, Platform{"linux", "amd64", ""});
  EXPECT_EQ(second.held_size(sha256_of(b.config)), b.config.size());
  EXPECT_FALSE(second.held_size(sha256_of(b.layer)));
  EXPECT_THROW(second.finish(), Error);  // the layer was never written whole
  EXPECT_FALSE(fs::exists(b.path));
}

// A 20 MiB blob half written: the journal notes its prefix every 8 MiB.
struct BigBlob {
  Bundle b;
  std::string big = testing::noise(20 << 20, 7);
  std::vector<Descriptor> plan{of(b.config), of(big)};
  void write_until(TarBundle& bundle, size_t bytes, bool killed) {
    auto writer = bundle.start_blob(of(big));
    for (size_t at = 0; at < bytes; at += 1 << 20) writer->write(std::string_view(big).substr(at, 1 << 20));
    // kill -9: the writer never learns it is abandoned (kept reachable, so no leak is reported)
    static auto* never_destroyed = new std::vector<std::unique_ptr<BlobWriter>>;
    if (killed) never_destroyed->push_back(std::move(writer));
  }
};

TEST(TarBundle, AHalfWrittenBlobOfAKilledRunIsContinuedFromItsNotedPrefix) {
  BigBlob t;
  {
    TarBundle first(t.b.path, t.plan, Platform{"linux", "amd64", ""});
    t.write_until(first, 13 << 20, true);
  }
  TarBundle second(t.b.path, t.plan, Platform{"linux", "amd64", ""});
  EXPECT_FALSE(second.held_size(sha256_of(t.big)));
  auto writer = second.start_blob(of(t.big));
  auto held = writer->take_held();
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), 8u << 20);  // the last note before 13 MiB
  EXPECT_EQ(read_exact(*held, 0, held->size()), t.big.substr(0, 8 << 20));
  writer->write(std::string_view(t.big).substr(8 << 20));
  writer->finish(sha256_of(t.big));
  second.put_blob(sha256_of(t.b.config), t.b.config);
  second.finish();
  FileSource tar(t.b.path);
  auto entry = TarIndex::build(tar).find("blobs/sha256/" + sha256_of(t.big).hex);
  ASSERT_TRUE(entry);
  EXPECT_EQ(read_exact(tar, entry->offset, entry->size), t.big);
}

TEST(TarBundle, AnAbandonedWriterLeavesNoPrefixToContinue) {
  BigBlob t;
  {
    TarBundle first(t.b.path, t.plan, Platform{"linux", "amd64", ""});
    t.write_until(first, 13 << 20, false);  // a failure: the writer is destroyed unfinished
  }
  TarBundle second(t.b.path, t.plan, Platform{"linux", "amd64", ""});
  EXPECT_FALSE(second.start_blob(of(t.big))->take_held());
}

TEST(TarBundle, ABlobLongerThanItsDescriptorIsRefused) {
  Bundle b;
  TarBundle bundle(b.path, b.plan, Platform{"linux", "amd64", ""});
  auto writer = bundle.start_blob(of(b.layer));
  EXPECT_THROW(writer->write(b.layer + "x"), Error);
}

TEST(DockerSaveManifest, NamesOfOneImageShareAnEntry) {
  SavedImage a{"app:1", sha256_of("c"), {sha256_of("l")}};
  SavedImage b{"app:latest", sha256_of("c"), {sha256_of("l")}};
  EXPECT_EQ(docker_save_manifest({a, b}), R"([{"Config":"blobs/sha256/)" + sha256_of("c").hex +
                                              R"(","RepoTags":["app:1","app:latest"],"Layers":["blobs/sha256/)" +
                                              sha256_of("l").hex + "\"]}]\n");
}

TEST(TarHeader, SizesPast8GiBUseBase256AndTheChecksumIsRight) {
  std::string h = tar_header("blobs/sha256/x", 10ull << 30);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(static_cast<unsigned char>(h[124]), 0x80);
  uint64_t size = 0;
  for (int i = 128; i < 136; ++i) size = (size << 8) | static_cast<unsigned char>(h[i]);
  EXPECT_EQ(size, 10ull << 30);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  EXPECT_EQ(std::stoul(h.substr(148, 6), nullptr, 8), sum);
}

}  // namespace
}  // namespace ocipush
