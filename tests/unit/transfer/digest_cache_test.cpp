#include "oci_push/transfer/digest_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ocipush {
namespace {

namespace fs = std::filesystem;

Digest d(char c) { return *Digest::parse("sha256:" + std::string(64, c)); }

class DigestCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("oci-push-cache-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(CachedBlobText, RoundTripsAndRejectsGarbage) {
  CachedBlob blob{
      d('1'), "gzip-1", {"application/vnd.oci.image.layer.v1.tar+gzip", d('a'), 42, {}, {}}, {"r/x", "r/y"}};
  auto back = parse_cached_blob(serialize_cached_blob(blob));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->diff_id, d('1'));
  EXPECT_EQ(back->codec_key, "gzip-1");
  EXPECT_EQ(back->descriptor.digest, d('a'));
  EXPECT_EQ(back->descriptor.size, 42u);
  EXPECT_EQ(back->repositories, blob.repositories);
  EXPECT_FALSE(parse_cached_blob(""));
  EXPECT_FALSE(parse_cached_blob("{\"digest\":\"sha256:12\",\"size\":1,\"mediaType\":\"x\"}"));
  EXPECT_FALSE(parse_cached_blob("{\"digest\":\"" + d('a').str() + "\",\"size\":-1,\"mediaType\":\"x\"}"));
}

TEST_F(DigestCacheTest, RecordThenLookupByDiffIdAndCodec) {
  DigestCache cache(dir_.string());
  EXPECT_FALSE(cache.lookup(d('1'), "gzip-1"));
  cache.record(d('1'), "gzip-1", {"m", d('a'), 10, {}, {}}, "host/app");
  cache.record(d('1'), "gzip-1", {"m", d('a'), 10, {}, {}}, "host/other");
  auto hit = cache.lookup(d('1'), "gzip-1");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->descriptor.digest, d('a'));
  EXPECT_EQ(hit->repositories, (std::vector<std::string>{"host/other", "host/app"}));
  EXPECT_FALSE(cache.lookup(d('1'), "zstd-3")) << "another codec is another key";
}

TEST_F(DigestCacheTest, ANewDigestReplacesTheRepositories) {
  DigestCache cache(dir_.string());
  cache.record(d('1'), "k", {"m", d('a'), 10, {}, {}}, "host/app");
  cache.record(d('1'), "k", {"m", d('b'), 11, {}, {}}, "host/new");
  auto hit = cache.lookup(d('1'), "k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->descriptor.digest, d('b'));
  EXPECT_EQ(hit->repositories, (std::vector<std::string>{"host/new"}));
}

TEST_F(DigestCacheTest, CorruptEntryIsAMiss) {
  DigestCache cache(dir_.string());
  cache.record(d('1'), "k", {"m", d('a'), 10, {}, {}}, "host/app");
  for (auto& f : fs::recursive_directory_iterator(dir_))
    if (f.is_regular_file()) std::ofstream(f.path(), std::ios::trunc) << "{not json";
  EXPECT_FALSE(cache.lookup(d('1'), "k"));
}

TEST_F(DigestCacheTest, AnEntryFiledUnderAnotherLayerIsAMiss) {
  DigestCache cache(dir_.string());
  cache.record(d('1'), "k", {"m", d('a'), 10, {}, {}}, "host/app");
  cache.record(d('2'), "k", {"m", d('b'), 11, {}, {}}, "host/app");
  std::vector<fs::path> files;
  for (auto& f : fs::recursive_directory_iterator(dir_ / "blobs"))
    if (f.is_regular_file()) files.push_back(f.path());
  ASSERT_EQ(files.size(), 2u);
  fs::path tmp = dir_ / "swap";
  fs::rename(files[0], tmp);
  fs::rename(files[1], files[0]);
  fs::rename(tmp, files[1]);
  EXPECT_FALSE(cache.lookup(d('1'), "k"));
  EXPECT_FALSE(cache.lookup(d('2'), "k"));
}

TEST_F(DigestCacheTest, VerifiedIdentities) {
  DigestCache cache(dir_.string());
  EXPECT_FALSE(cache.verified("file:1:2:3", d('1')));
  cache.record_verified("file:1:2:3", d('1'));
  EXPECT_TRUE(cache.verified("file:1:2:3", d('1')));
  EXPECT_FALSE(cache.verified("file:1:2:3", d('2')));
  EXPECT_FALSE(cache.verified("file:1:2:4", d('1')));
}

TEST_F(DigestCacheTest, PruneKeepsTheNewest) {
  DigestCache cache(dir_.string());
  for (char c : std::string("123456")) cache.record(d(c), "k", {"m", d('a'), 1, {}, {}}, "h/r");
  cache.prune(4);
  size_t files = 0;
  for (auto& f : fs::recursive_directory_iterator(dir_)) files += f.is_regular_file();
  EXPECT_EQ(files, 4u);
}

}  // namespace
}  // namespace ocipush
