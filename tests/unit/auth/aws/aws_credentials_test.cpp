#include "oci_push/auth/aws/aws_credentials.h"

#include <gtest/gtest.h>

#include "auth/aws/chain_fixture.h"

namespace ocipush {
namespace {

using testing::Chain;

TEST_F(Chain, EnvironmentFirstWithSessionToken) {
  env.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "SENV";
  env.vars["AWS_SESSION_TOKEN"] = "TENV";
  env.files["/home/u/.aws/credentials"] = "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=S\n";
  const auto c = resolve();
  EXPECT_EQ(c.access_key_id, "AKENV");
  EXPECT_EQ(c.session_token, "TENV");
  EXPECT_EQ(c.source, "environment");
  env.vars.erase("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(error(), "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only one of them is)");
}

TEST_F(Chain, ProfileFromBothFilesAndTheirOverrides) {
  env.vars["AWS_PROFILE"] = "dev";
  env.vars["AWS_SHARED_CREDENTIALS_FILE"] = "/c";
  env.vars["AWS_CONFIG_FILE"] = "/cfg";
  env.files["/c"] = "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = SDEV\n";
  env.files["/cfg"] = "[profile dev]\nregion = ap-south-1\n";
  const auto c = resolve();
  EXPECT_EQ(c.access_key_id, "AKDEV");
  EXPECT_EQ(c.source, "profile dev");
  EXPECT_EQ(aws_region(env), "ap-south-1");
  env.vars["AWS_REGION"] = "eu-west-3";
  EXPECT_EQ(aws_region(env), "eu-west-3");
  env.vars["AWS_PROFILE"] = "missing";
  EXPECT_EQ(error(), "AWS profile \"missing\" is in neither /c nor /cfg");
}

TEST_F(Chain, StsRefusalIsOneLine) {
  env.files["/home/u/.aws/config"] =
      "[default]\nrole_arn = arn:aws:iam::1:role/push\ncredential_source = Environment\n";
  env.vars["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:4566";
  // credential_source = Environment with nothing in the environment
  EXPECT_EQ(error(), "AWS profile \"default\": credential_source Environment has no credentials");
}

TEST_F(Chain, NothingAnywhere) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  http.fail_next(NetworkError::Kind::Connect);
  EXPECT_NE(error().find("no AWS credentials found"), std::string::npos);
}

}  // namespace
}  // namespace ocipush
