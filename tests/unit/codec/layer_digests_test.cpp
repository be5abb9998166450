#include "oci_push/codec/layer_digests.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include "oci_push/codec/gzip_blocks.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::string digests_sample(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string(i % 1000) + "\n";
  s.resize(n);
  return s;
}

std::string zstd_of(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

std::atomic<bool> no_stop{false};

TEST(LayerDigests, Gzip) {
  auto data = digests_sample(3 << 20);
  auto gz = gzip_compress(data);
  auto d = digest_compressed_layer(StringSource(gz), LayerCompression::Gzip, nullptr, no_stop);
  EXPECT_EQ(d.stored, sha256_of(gz));
  EXPECT_EQ(d.uncompressed, sha256_of(data));
}

TEST(LayerDigests, GzipWithSeveralMembers) {
  auto a = digests_sample(100000), b = digests_sample(5000);
  auto gz = gzip_compress(a) + gzip_compress(b);
  EXPECT_EQ(digest_compressed_layer(StringSource(gz), LayerCompression::Gzip, nullptr, no_stop).uncompressed,
            sha256_of(a + b));
}

TEST(LayerDigests, Zstd) {
  auto data = digests_sample(2 << 20);
  auto z = zstd_of(data);
  auto d = digest_compressed_layer(StringSource(z), LayerCompression::Zstd, nullptr, no_stop);
  EXPECT_EQ(d.stored, sha256_of(z));
  EXPECT_EQ(d.uncompressed, sha256_of(data));
}

TEST(LayerDigests, AnyChunkingGivesTheSameDigest) {
  auto data = digests_sample(300000);
  auto gz = gzip_compress(data);
  UncompressedDigester digester(LayerCompression::Gzip, "x");
  for (size_t i = 0; i < gz.size(); i += 7) digester.update(std::string_view(gz).substr(i, 7));
  EXPECT_EQ(digester.finish(), sha256_of(data));
}

TEST(LayerDigests, TruncatedAndCorruptDataAreErrors) {
  auto gz = gzip_compress(digests_sample(300000));
  EXPECT_THROW(digest_compressed_layer(StringSource(gz.substr(0, gz.size() / 2)), LayerCompression::Gzip, nullptr,
                                       no_stop),
               Error);
  auto z = zstd_of(digests_sample(300000));
  EXPECT_THROW(digest_compressed_layer(StringSource(z.substr(0, z.size() - 10)), LayerCompression::Zstd, nullptr,
                                       no_stop),
               Error);
  std::string bad = gz;
  bad[bad.size() - 6] ^= 0x55;  // the CRC trailer
  EXPECT_THROW(digest_compressed_layer(StringSource(bad), LayerCompression::Gzip, nullptr, no_stop), Error);
  EXPECT_THROW(digest_compressed_layer(StringSource("\x28\xb5\x2f\xfd garbage"), LayerCompression::Zstd, nullptr,
                                       no_stop),
               Error);
}

}  // namespace
}  // namespace ocipush
