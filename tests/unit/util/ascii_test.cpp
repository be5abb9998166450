#include "oci_push/util/ascii.h"

#include <gtest/gtest.h>

namespace ocipush {
namespace {

TEST(Ascii, LowerFoldsOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("WWW-Authenticate: Bearer"), "www-authenticate: bearer");
  EXPECT_EQ(ascii_lower("\xc3\x89T\xc3\x89"), "\xc3\x89t\xc3\x89");  // UTF-8 É untouched
}

TEST(Ascii, TrimDropsSpacesTabsAndLineEndsAtBothEndsOnly) {
  EXPECT_EQ(ascii_trim(" \t rel=\"next\" \r\n"), "rel=\"next\"");
  EXPECT_EQ(ascii_trim("a b"), "a b");
  EXPECT_EQ(ascii_trim(" \t\r\n"), "");
  EXPECT_EQ(ascii_trim(""), "");
  EXPECT_EQ(ascii_trim("x"), "x");
  EXPECT_EQ(ascii_trim("\xa0x\xa0"), "\xa0x\xa0");  // not the locale's spaces
}

// Every byte value against the classes' definitions: nothing outside 0-9, a-z (and A-Z for alnum).
TEST(Ascii, ClassesAreExactlyTheirAsciiRanges) {
  int digits = 0, lower_alnum = 0, alnum = 0;
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    digits += ascii_is_digit(c);
    lower_alnum += ascii_is_lower_alnum(c);
    alnum += ascii_is_alnum(c);
    EXPECT_EQ(ascii_is_digit(c), b >= '0' && b <= '9') << b;
    EXPECT_EQ(ascii_is_lower_alnum(c), ascii_is_digit(c) || (b >= 'a' && b <= 'z')) << b;
    EXPECT_EQ(ascii_is_alnum(c), ascii_is_lower_alnum(c) || (b >= 'A' && b <= 'Z')) << b;
  }
  EXPECT_EQ(digits, 10);
  EXPECT_EQ(lower_alnum, 36);
  EXPECT_EQ(alnum, 62);
}

}  // namespace
}  // namespace ocipush
