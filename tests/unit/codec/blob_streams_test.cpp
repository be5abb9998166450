#include "oci_push/codec/blob_streams.h"

#include <gtest/gtest.h>

#include "oci_push/codec/gzip_blocks.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::string sample(size_t size) {
  std::string s;
  s.reserve(size);
  for (size_t i = 0; s.size() < size; ++i) s += "file " + std::to_string(i * 7919 % 10007) + " data\n";
  s.resize(size);
  return s;
}

TEST(GzipStream, SameBytesForEveryThreadCount) {
  const auto data = sample(5 * kGzipBlockSize + 12345);
  const auto reference = gzip_compress(data);
  std::atomic<bool> stop{false};
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    ThreadPool pool(threads);
    StringSource source(data);
    std::string out;
    uint64_t last_progress = 0;
    auto digests = gzip_stream(
        reader_of(source), pool, kGzipDefaultLevel, [&](std::string_view b) { out.append(b); },
        [&](uint64_t done) {
          EXPECT_GE(done, last_progress);
          last_progress = done;
        },
        stop);
    EXPECT_EQ(out, reference) << threads << " threads";
    EXPECT_EQ(digests.compressed, sha256_of(reference));
    EXPECT_EQ(digests.compressed_size, reference.size());
    EXPECT_EQ(digests.uncompressed, sha256_of(data));
    EXPECT_EQ(last_progress, data.size());
  }
}

TEST(GzipStream, EmptySource) {
  ThreadPool pool(2);
  StringSource source("");
  std::string out;
  std::atomic<bool> stop{false};
  auto digests = gzip_stream(
      reader_of(source), pool, 1, [&](std::string_view b) { out.append(b); }, nullptr, stop);
  EXPECT_EQ(out, gzip_compress(""));
  EXPECT_EQ(digests.uncompressed, sha256_of(""));
}

TEST(GzipStream, StopsWhenAsked) {
  ThreadPool pool(2);
  StringSource source(sample(3 * kGzipBlockSize));
  std::atomic<bool> stop{true};
  EXPECT_THROW(gzip_stream(
                   reader_of(source), pool, 1, [](std::string_view) {}, nullptr, stop),
               Interrupted);
}

TEST(HashSource, MatchesOneShotDigest) {
  auto data = sample(9 << 20);
  StringSource source(data);
  std::atomic<bool> stop{false};
  EXPECT_EQ(hash_source(source, nullptr, stop), sha256_of(data));
}

}  // namespace
}  // namespace ocipush
