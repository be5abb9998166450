// The AWS credential chain's test fixture, shared by the tests of each credential source it tries.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "fakes/fake_environment.h"
#include "fakes/fake_http_client.h"
#include "oci_push/auth/aws/aws_credentials.h"
#include "oci_push/util/error.h"

// Outside an anonymous namespace, so that the tests of suite Chain in every file share one fixture class
// (googletest refuses a suite whose tests use different ones).
namespace ocipush::testing {

inline const char* kStsAnswer = R"(<AssumeRoleResponse><AssumeRoleResult><Credentials>
  <AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>role&amp;secret</SecretAccessKey>
  <SessionToken>role-token</SessionToken><Expiration>2023-11-15T00:00:00Z</Expiration>
</Credentials></AssumeRoleResult></AssumeRoleResponse>)";

inline void expect_credentials(const AwsCredentials& c, const std::string& key, const std::string& secret,
                               const std::string& token, int64_t expires_at) {
  EXPECT_EQ(c.access_key_id, key);
  EXPECT_EQ(c.secret_access_key, secret);
  EXPECT_EQ(c.session_token, token);
  EXPECT_EQ(c.expires_at, expires_at);
}

class Chain : public ::testing::Test {
 protected:
  Chain() {
    env.vars["HOME"] = "/home/u";
    env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  }
  AwsCredentials resolve() { return AwsCredentialChain(env, http).resolve(); }
  std::string error() {
    try {
      resolve();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  FakeEnvironment env;
  FakeHttpClient http;
};

}  // namespace ocipush::testing
