#include "oci_push/codec/gzip_blocks.h"

#include <gtest/gtest.h>

#include <random>

#include "fakes/zlib_gzip.h"
#include "oci_push/model/digest.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::zlib_gunzip;

std::string sample(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  // Compressible but not trivial: words from a small alphabet with random runs.
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + rng() % 7);
  return s;
}

TEST(GzipBlocks, HeaderIsFixed) {
  EXPECT_EQ(gzip_header(), std::string_view("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10));
}

TEST(GzipBlocks, EmptyInputIsAValidGzip) {
  auto gz = gzip_compress("");
  EXPECT_EQ(zlib_gunzip(gz), "");
}

TEST(GzipBlocks, RoundTripsAcrossBlockBoundaries) {
  for (size_t size : {1ul, 1000ul, kGzipBlockSize - 1, kGzipBlockSize, kGzipBlockSize + 1, 3 * kGzipBlockSize + 17}) {
    auto data = sample(size, static_cast<unsigned>(size));
    auto gz = gzip_compress(data);
    EXPECT_EQ(zlib_gunzip(gz), data) << "size " << size;
    EXPECT_LT(gz.size(), data.size() / 2 + 64) << "size " << size;
  }
}

TEST(GzipBlocks, IncompressibleDataStaysBounded) {
  std::mt19937 rng(1);
  std::string data(kGzipBlockSize * 2 + 5, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  auto gz = gzip_compress(data);
  EXPECT_EQ(zlib_gunzip(gz), data);
  EXPECT_LT(gz.size(), data.size() + data.size() / 100 + 1024);
}

TEST(GzipBlocks, EveryLevelRoundTrips) {
  auto data = sample(300000, 7);
  for (int level = 0; level <= 3; ++level) EXPECT_EQ(zlib_gunzip(gzip_compress(data, level)), data) << level;
  EXPECT_THROW(gzip_compress(data, 4), Error);
}

TEST(GzipBlocks, Crc32MatchesZlib) {
  auto data = sample(123457, 3);
  auto ours = gzip_crc32(gzip_crc32(0, data.data(), 1000), data.data() + 1000, data.size() - 1000);
  auto theirs = crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  EXPECT_EQ(ours, theirs);
}

// ISA-L keeps scratch state per thread; what one block leaves there must not change the next one.
TEST(GzipBlocks, OutputDoesNotDependOnWhatWasCompressedBefore) {
  auto data = sample(700000, 11);
  for (int level = 1; level <= 3; ++level) {
    auto first = gzip_compress(data, level);
    gzip_compress(sample(900000, 12), 3);
    gzip_compress(sample(300000, 13), 1);
    EXPECT_EQ(gzip_compress(data, level), first) << "level " << level;
  }
}

// A digest change is a user-visible break: every layer pushed before would be re-uploaded under a new
// digest. This pins the bytes of the codec, level and block size for a fixed input.
TEST(GzipBlocks, OutputIsPinned) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data += "layer line " + std::to_string(i % 977) + "\n";
  auto gz = gzip_compress(data);
  EXPECT_EQ(zlib_gunzip(gz), data);
  EXPECT_EQ(sha256_of(gz).str(), "sha256:60b001687eca45b6cf531618df94a42fbf8c83665f25ce7248395ea98cb4b26a");
}

}  // namespace
}  // namespace ocipush
