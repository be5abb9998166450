#include "oci_push/codec/layer_codec.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include "oci_push/codec/gzip_blocks.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::string codec_sample(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "usr/lib/file" + std::to_string(i * 2654435761u % 100003) + "\n";
  s.resize(n);
  return s;
}

std::string unzstd(const std::string& z) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string out, buf(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    size_t rc = ZSTD_decompressStream(ctx.get(), &o, &in);
    EXPECT_FALSE(ZSTD_isError(rc));
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), o.pos);
  }
  return out;
}

TEST(LayerCodec, Parse) {
  EXPECT_EQ(LayerCodec::parse("gzip").str(), "gzip:1");
  EXPECT_EQ(LayerCodec::parse("gzip:3").str(), "gzip:3");
  EXPECT_EQ(LayerCodec::parse("zstd").str(), "zstd:3");
  EXPECT_EQ(LayerCodec::parse("zstd:19").str(), "zstd:19");
  EXPECT_EQ(LayerCodec::parse("none").compression, LayerCompression::None);
  for (const char* bad : {"gzip:4", "gzip:x", "zstd:0", "zstd:20", "brotli", "none:1", "gzip:", ""})
    EXPECT_THROW(LayerCodec::parse(bad), UsageError) << bad;
}

TEST(LayerCodec, CacheKeysTellSettingsApart) {
  EXPECT_NE(LayerCodec::parse("gzip:1").cache_key(), LayerCodec::parse("gzip:2").cache_key());
  EXPECT_NE(LayerCodec::parse("zstd:3").cache_key(), LayerCodec::parse("gzip:3").cache_key());
  EXPECT_EQ(LayerCodec::parse("gzip").cache_key(), LayerCodec::parse("gzip:1").cache_key());
}

TEST(ZstdStream, SameBytesForEveryWorkerCountAndRoundTrips) {
  const auto data = codec_sample(11 << 20);  // several jobs of kZstdJobSize
  std::atomic<bool> stop{false};
  std::string first;
  for (unsigned workers : {1u, 2u, 3u, 8u}) {
    StringSource source(data);
    std::string out;
    auto d = zstd_stream(
        reader_of(source), workers, kZstdDefaultLevel, [&](std::string_view b) { out.append(b); }, nullptr, stop);
    if (first.empty()) first = out;
    EXPECT_EQ(out, first) << workers << " workers";
    EXPECT_EQ(d.compressed, sha256_of(out));
    EXPECT_EQ(d.uncompressed, sha256_of(data));
    EXPECT_EQ(d.compressed_size, out.size());
  }
  EXPECT_EQ(unzstd(first), data);
  EXPECT_LT(first.size(), data.size() / 2);
}

TEST(ZstdStream, EmptyInput) {
  std::atomic<bool> stop{false};
  StringSource source("");
  std::string out;
  zstd_stream(
      reader_of(source), 2, 3, [&](std::string_view b) { out.append(b); }, nullptr, stop);
  EXPECT_EQ(unzstd(out), "");
}

// What compress_stream hands its sink for `data`, on a pool of `threads`, and the digests it reports.
std::string compressed(const std::string& codec, const std::string& data, unsigned threads,
                       CompressedDigests* digests = nullptr) {
  std::atomic<bool> stop{false};
  ThreadPool pool(threads);
  StringSource source(data);
  std::string out;
  auto d = compress_stream(
      LayerCodec::parse(codec), reader_of(source), pool, [&](std::string_view b) { out.append(b); }, nullptr, stop);
  if (digests) *digests = d;
  return out;
}

TEST(CompressStream, NoneIsTheBytesThemselves) {
  auto data = codec_sample(3000);
  CompressedDigests d;
  EXPECT_EQ(compressed("none", data, 2, &d), data);
  EXPECT_EQ(d.compressed, d.uncompressed);
  EXPECT_EQ(d.compressed_size, data.size());
}

TEST(CompressStream, GzipIsTheBlockParallelGzip) {
  auto data = codec_sample(2500000);
  EXPECT_EQ(compressed("gzip:2", data, 3), gzip_compress(data, 2));
}

}  // namespace
}  // namespace ocipush
