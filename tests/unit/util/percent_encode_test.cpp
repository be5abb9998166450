#include "oci_push/util/percent_encode.h"

#include <gtest/gtest.h>

namespace ocipush {
namespace {

TEST(PercentEncode, KeepsUnreservedAndOptionallySlashes) {
  EXPECT_EQ(percent_encode("a b/c~", true), "a%20b/c~");
  EXPECT_EQ(percent_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(percent_encode("\xe1\x88\xb4", false), "%E1%88%B4");
}

}  // namespace
}  // namespace ocipush
