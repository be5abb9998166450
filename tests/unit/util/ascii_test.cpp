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

}  // namespace
}  // namespace ocipush
