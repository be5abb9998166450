#include "oci_push/io/byte_source.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::string read(const ByteSource& s, uint64_t offset, size_t len) {
  std::string buf(len, '?');
  buf.resize(s.read_at(offset, buf.data(), len));
  return buf;
}

TEST(StringSource, ReadsAndStopsAtTheEnd) {
  const StringSource s("hello world", "greeting");
  EXPECT_EQ(s.size(), 11u);
  EXPECT_EQ(s.name(), "greeting");
  EXPECT_EQ(read(s, 0, 5), "hello");
  EXPECT_EQ(read(s, 6, 100), "world");
  EXPECT_EQ(read(s, 11, 4), "");
  EXPECT_EQ(read(s, 1000, 4), "");
  EXPECT_EQ(read(s, 3, 0), "");
  EXPECT_EQ(StringSource("").size(), 0u);
  EXPECT_EQ(StringSource("x").name(), "<memory>");
}

TEST(SliceSource, IsAWindowOfItsParent) {
  const StringSource parent("0123456789");
  const SliceSource slice(parent, 3, 4, "tar:entry");
  EXPECT_EQ(slice.size(), 4u);
  EXPECT_EQ(slice.name(), "tar:entry");
  EXPECT_EQ(read(slice, 0, 100), "3456");
  EXPECT_EQ(read(slice, 2, 1), "5");
  EXPECT_EQ(read(slice, 4, 1), "");
  EXPECT_EQ(read(slice, 99, 1), "");
}

TEST(SliceSource, NestedSlices) {
  const StringSource parent("abcdefghij");
  const SliceSource outer(parent, 2, 6, "outer");
  const SliceSource inner(outer, 1, 3, "inner");
  EXPECT_EQ(read(inner, 0, 10), "def");
}

TEST(SliceSource, ParentShorterThanTheSliceReturnsWhatIsThere) {
  const StringSource parent("abc");
  const SliceSource slice(parent, 1, 10, "s");
  EXPECT_EQ(read(slice, 0, 10), "bc");
}

TEST(ReadExact, ReadsTheRange) {
  const StringSource s("0123456789");
  EXPECT_EQ(read_exact(s, 2, 3), "234");
  EXPECT_EQ(read_exact(s, 0, 10), "0123456789");
  EXPECT_EQ(read_exact(s, 10, 0), "");
}

TEST(ReadExact, ShortSourceThrowsNamingIt) {
  const StringSource s("0123456789", "blob.bin");
  try {
    read_exact(s, 8, 5);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "blob.bin: unexpected end of data: needs 5 bytes at offset 8 but it ends at 10");
  }
  EXPECT_THROW(read_exact(s, 11, 0), Error);
  // A huge length must fail before anything is allocated.
  EXPECT_THROW(read_exact(s, 0, SIZE_MAX), Error);
  EXPECT_THROW(read_exact(s, UINT64_MAX, 2), Error);
}

TEST(ReadExact, SourceThatDeliversLessThanItsSizeThrows) {
  const StringSource parent("abc");
  const SliceSource liar(parent, 0, 10, "liar");
  try {
    read_exact(liar, 0, 10);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "liar: unexpected end of data: needs 10 bytes at offset 0 but only 3 could be read");
  }
}

TEST(ReadAll, ReadsEverythingUpToTheLimit) {
  const StringSource s("manifest", "manifest.json");
  EXPECT_EQ(read_all(s, 8), "manifest");
  EXPECT_EQ(read_all(s, 1000), "manifest");
  try {
    read_all(s, 7);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "manifest.json: is 8 bytes, more than the limit of 7 bytes");
  }
}

}  // namespace
}  // namespace ocipush
