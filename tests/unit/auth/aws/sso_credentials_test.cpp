#include "oci_push/auth/aws/sso_credentials.h"

#include <gtest/gtest.h>

#include "auth/aws/chain_fixture.h"

namespace ocipush {
namespace {

using testing::Chain;
using testing::expect_credentials;

// IAM Identity Center: the cache file is named by the SHA-1 of the sso-session name (legacy profiles:
// of the start URL), as the AWS CLI names it; the hex values below are Python's hashlib.sha1.
const char* kSsoConfig = R"([profile dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = Deployer
[sso-session my-sso]
sso_region = eu-west-1
sso_start_url = https://example.awsapps.com/start
[profile legacy]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-2
sso_account_id = 444455556666
sso_role_name = Reader
)";
const char* kRoleCredentials =
    R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"SSO/secret","sessionToken":"sso-session-token","expiration":1700003600000}})";

class SsoChain : public Chain {
 protected:
  SsoChain() {
    env.files[config_path()] = kSsoConfig;
    env.vars["AWS_PROFILE"] = "dev";
  }
  void cache(const std::string& sha1, const std::string& expires_at) {
    env.files[env.vars["HOME"] + "/.aws/sso/cache/" + sha1 + ".json"] =
        R"({"startUrl":"https://example.awsapps.com/start","region":"eu-west-1","accessToken":"sso-access-token","expiresAt":")" +
        expires_at + "\"}";
  }
  std::string config_path() { return env.vars["HOME"] + "/.aws/config"; }
};

TEST_F(SsoChain, SessionProfileExchangesTheCachedTokenForTheRolesKeys) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2099-01-01T00:00:00Z");
  http.answer(200, {}, kRoleCredentials);
  expect_credentials(resolve(), "ASIASSO", "SSO/secret", "sso-session-token", 1700003600);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(
      http.requests[0].url,
      "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?account_id=111122223333&role_name=Deployer");
  EXPECT_EQ(http.requests[0].header("x-amz-sso_bearer_token"), "sso-access-token");
}

TEST_F(SsoChain, LegacyProfileAndTheOlderExpiryFormat) {
  env.vars["AWS_PROFILE"] = "legacy";
  cache("e8be5486177c5b5392bd9aa76563515b29358e6e", "2099-01-01T00:00:00UTC");
  http.answer(200, {}, kRoleCredentials);
  EXPECT_EQ(resolve().access_key_id, "ASIASSO");
  EXPECT_EQ(
      http.requests[0].url,
      "https://portal.sso.us-east-2.amazonaws.com/federation/credentials?account_id=444455556666&role_name=Reader");
}

TEST_F(SsoChain, NoCachedLoginSaysHowToLogIn) {
  const std::string e = error();
  EXPECT_NE(e.find("no SSO login cached"), std::string::npos) << e;
  EXPECT_NE(e.find("aws sso login --profile dev"), std::string::npos) << e;
  EXPECT_TRUE(http.requests.empty());
}

TEST_F(SsoChain, AnExpiredLoginIsNotSent) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2023-11-14T00:00:00Z");  // before the fake clock
  const std::string e = error();
  EXPECT_NE(e.find("has expired"), std::string::npos) << e;
  EXPECT_TRUE(http.requests.empty());
}

TEST_F(SsoChain, ARefusedTokenSaysHowToLogInWithoutShowingIt) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2099-01-01T00:00:00Z");
  http.answer(401, {}, R"({"__type":"UnauthorizedException","message":"Session token not found or invalid"})");
  const std::string e = error();
  EXPECT_NE(e.find("UnauthorizedException"), std::string::npos) << e;
  EXPECT_NE(e.find("aws sso login --profile dev"), std::string::npos) << e;
  EXPECT_EQ(e.find("sso-access-token"), std::string::npos) << e;
}

TEST_F(SsoChain, AMissingSessionOrSettingIsNamed) {
  env.files[config_path()] = "[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n";
  EXPECT_NE(error().find("sso-session \"nope\""), std::string::npos) << error();
  env.files[config_path()] = "[profile dev]\nsso_start_url = https://x\nsso_region = eu-west-1\nsso_role_name = R\n";
  EXPECT_NE(error().find("sso_account_id"), std::string::npos) << error();
}

TEST_F(SsoChain, PlainHttpOnlyToLoopback) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2099-01-01T00:00:00Z");
  env.vars["AWS_ENDPOINT_URL_SSO"] = "http://sso.example.com";
  EXPECT_NE(error().find("refusing to send an SSO token over plain HTTP"), std::string::npos) << error();
  EXPECT_TRUE(http.requests.empty());
}

}  // namespace
}  // namespace ocipush
