#include "oci_push/util/byte_size.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::string size_error(std::string_view text) {
  try {
    parse_byte_size(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ByteSize, PlainNumbersAreBytes) {
  EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
  EXPECT_EQ(parse_byte_size("1"), 1u);
  EXPECT_EQ(parse_byte_size("512B"), 512u);
}

TEST(ByteSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_byte_size("512k"), 512u << 10);
  EXPECT_EQ(parse_byte_size("512K"), 512u << 10);
  EXPECT_EQ(parse_byte_size("1KB"), 1024u);
  EXPECT_EQ(parse_byte_size("1KiB"), 1024u);
  EXPECT_EQ(parse_byte_size("1ki"), 1024u);
  EXPECT_EQ(parse_byte_size("16M"), 16u << 20);
  EXPECT_EQ(parse_byte_size("5MiB"), 5u << 20);
  EXPECT_EQ(parse_byte_size("5mb"), 5u << 20);
  EXPECT_EQ(parse_byte_size("2GiB"), uint64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("3g"), uint64_t{3} << 30);
}

TEST(ByteSize, LargeValuesWithinRange) {
  EXPECT_EQ(parse_byte_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_byte_size("17179869183G"), uint64_t{17179869183} << 30);
}

TEST(ByteSize, RejectsZero) {
  EXPECT_EQ(size_error("0"), "invalid size \"0\": must be greater than zero");
  EXPECT_NE(size_error("0MiB"), "");
}

TEST(ByteSize, RejectsOverflow) {
  EXPECT_EQ(size_error("18446744073709551616"), "invalid size \"18446744073709551616\": too large");
  EXPECT_EQ(size_error("17179869184G"), "invalid size \"17179869184G\": too large");
  EXPECT_NE(size_error("99999999999999999999999999K"), "");
}

TEST(ByteSize, RejectsMalformedText) {
  for (const char* bad : {"", "MiB", "-1", "+1", "1.5M", "1 M", " 1", "1 ", "1T", "1TiB", "1MiBB", "1iB", "1bb", "0x10",
                          "1e6", "1Mi B", "1KIBx"}) {
    EXPECT_NE(size_error(bad), "") << bad;
  }
  EXPECT_NE(size_error("1T").find("invalid size \"1T\""), std::string::npos);
}

}  // namespace
}  // namespace ocipush
