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
