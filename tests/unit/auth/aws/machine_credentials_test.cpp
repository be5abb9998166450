#include "oci_push/auth/aws/machine_credentials.h"

#include <gtest/gtest.h>

#include "auth/aws/chain_fixture.h"

namespace ocipush {
namespace {

using testing::Chain;

TEST_F(Chain, ContainerCredentials) {
  env.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  env.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "tok";
  http.answer(200, {},
              R"({"AccessKeyId":"AKC","SecretAccessKey":"SC","Token":"TC","Expiration":"2023-11-15T00:00:00Z"})");
  EXPECT_EQ(resolve().access_key_id, "AKC");
  EXPECT_EQ(http.requests[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(http.requests[0].header("Authorization"), "tok");
  env.vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  env.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://attacker.example/creds";
  EXPECT_NE(error().find("refusing"), std::string::npos);
}

TEST_F(Chain, ImdsV2) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  http.answer(200, {}, "imds-token");
  http.answer(200, {}, "my-role\n");
  http.answer(
      200, {},
      R"({"Code":"Success","AccessKeyId":"AKI","SecretAccessKey":"SI","Token":"TI","Expiration":"2023-11-15T00:00:00Z"})");
  EXPECT_EQ(resolve().access_key_id, "AKI");
  EXPECT_EQ(http.requests[0].method, "PUT");
  EXPECT_EQ(http.requests[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(http.requests[2].url, "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role");
  EXPECT_EQ(http.requests[2].header("X-aws-ec2-metadata-token"), "imds-token");
}

TEST_F(Chain, ImdsRequestsHaveTheAwsCliDeadline) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  http.answer(200, {}, "imds-token");
  http.answer(404);  // no role
  EXPECT_NE(error().find("no AWS credentials found"), std::string::npos);
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].deadline, std::chrono::milliseconds(1000));
  EXPECT_EQ(http.requests[1].deadline, std::chrono::milliseconds(1000));
}

TEST_F(Chain, ImdsTimeoutAndAttemptsFromTheEnvironment) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  env.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "3";
  env.vars["AWS_METADATA_SERVICE_NUM_ATTEMPTS"] = "2";
  http.fail_next(NetworkError::Kind::Timeout);
  http.fail_next(NetworkError::Kind::Timeout);
  EXPECT_NE(error().find("no AWS credentials found"), std::string::npos);
  ASSERT_EQ(http.requests.size(), 2u);  // two tries of the token, then "not on EC2"
  EXPECT_EQ(http.requests[1].method, "PUT");
  EXPECT_EQ(http.requests[1].deadline, std::chrono::milliseconds(3000));
}

TEST_F(Chain, ABadImdsSettingNamesTheVariable) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  env.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "soon";
  EXPECT_NE(error().find("AWS_METADATA_SERVICE_TIMEOUT=\"soon\""), std::string::npos) << error();
  env.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "0";
  EXPECT_NE(error().find("AWS_METADATA_SERVICE_TIMEOUT"), std::string::npos) << error();
  EXPECT_TRUE(http.requests.empty());
}

}  // namespace
}  // namespace ocipush
