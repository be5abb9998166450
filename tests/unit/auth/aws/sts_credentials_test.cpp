#include "oci_push/auth/aws/sts_credentials.h"

#include <gtest/gtest.h>

#include "auth/aws/chain_fixture.h"

namespace ocipush {
namespace {

using testing::Chain;
using testing::expect_credentials;
using testing::kStsAnswer;

TEST_F(Chain, AssumeRoleSignsWithTheSourceProfile) {
  env.vars["AWS_PROFILE"] = "ci";
  env.vars["AWS_REGION"] = "eu-west-1";
  env.files["/home/u/.aws/credentials"] = "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = SBASE\n";
  env.files["/home/u/.aws/config"] =
      "[profile ci]\nrole_arn = arn:aws:iam::1:role/push\nsource_profile = base\nexternal_id = ext\n";
  http.answer(200, {}, kStsAnswer);
  expect_credentials(resolve(), "ASIAROLE", "role&secret", "role-token", 1700006400);
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& r = http.requests[0];
  EXPECT_EQ(r.url, "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(r.body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fpush&"
                    "RoleSessionName=oci-push-1700000000&ExternalId=ext");
  EXPECT_TRUE(r.header("Authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKBASE/20231114/eu-west-1/sts/"));
}

TEST_F(Chain, WebIdentityIsUnsigned) {
  env.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  env.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/gha";
  env.files["/var/run/token"] = "jwt-token\n";
  http.answer(200, {}, kStsAnswer);
  EXPECT_EQ(resolve().access_key_id, "ASIAROLE");
  const auto& r = http.requests[0];
  EXPECT_EQ(r.header("Authorization"), "<none>");
  EXPECT_NE(r.body.find("Action=AssumeRoleWithWebIdentity&"), std::string::npos);
  EXPECT_NE(r.body.find("&WebIdentityToken=jwt-token"), std::string::npos);
  EXPECT_EQ(r.url, "https://sts.us-east-1.amazonaws.com");
}

}  // namespace
}  // namespace ocipush
