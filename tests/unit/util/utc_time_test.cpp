#include "oci_push/util/utc_time.h"

#include <gtest/gtest.h>

namespace ocipush {
namespace {

TEST(UtcText, FormatsSecondsSince1970InUtc) {
  EXPECT_EQ(utc_text(0, "%Y-%m-%dT%H:%M:%SZ"), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_text(1440938160, "%Y%m%dT%H%M%SZ"), "20150830T123600Z");  // SigV4's example date
  EXPECT_EQ(utc_text(4102444799, "%Y-%m-%d %H:%M:%S"), "2099-12-31 23:59:59");
}

}  // namespace
}  // namespace ocipush
