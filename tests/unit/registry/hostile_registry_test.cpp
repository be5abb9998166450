// Registry, token-server and ECR answers built to hurt: absurd numbers that would overflow a clock or
// a cast, and bodies that are not what was asked. Each is refused or bounded, never undefined.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "oci_push/auth/aws/ecr.h"
#include "oci_push/registry/registry_auth.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

TEST(HostileTokenServer, HugeExpiresInIsCappedToADay) {
  const auto t = parse_token_answer(R"({"token":"T","expires_in":9223372036854775807})", "s");
  EXPECT_EQ(t.lifetime, std::chrono::hours(24));
  // The cache adds it to steady_clock::now() in nanoseconds: that must not overflow.
  const auto until = std::chrono::steady_clock::now() + t.lifetime * 9 / 10;
  EXPECT_GT(until, std::chrono::steady_clock::now());
}

TEST(HostileTokenServer, NonsenseAnswersAreRefused) {
  EXPECT_THROW(parse_token_answer("", "s"), Error);
  EXPECT_THROW(parse_token_answer(R"({"token":42})", "s"), Error);
  EXPECT_THROW(parse_token_answer(std::string(100000, '['), "s"), Error);
  EXPECT_THROW(parse_token_answer("<html>502 Bad Gateway</html>", "s"), Error);
}

TEST(HostileEcr, AbsurdExpiresAtIsRefused) {
  const std::string token = base64_encode("AWS:pw");
  for (const std::string& at : {"1e300", "-5", "1e19"}) {
    const std::string body =
        R"({"authorizationData":[{"authorizationToken":")" + token + R"(","expiresAt":)" + at + "}]}";
    EXPECT_THROW(parse_authorization_data(body, false), Error) << at;
  }
  const std::string ok =
      R"({"authorizationData":[{"authorizationToken":")" + token + R"(","expiresAt":1700000000.5}]})";
  EXPECT_EQ(parse_authorization_data(ok, false).expires_at, 1700000000);
}

}  // namespace
}  // namespace ocipush
