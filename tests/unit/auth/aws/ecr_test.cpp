#include "oci_push/auth/aws/ecr.h"

#include <gtest/gtest.h>

#include "fakes/fake_environment.h"
#include "fakes/fake_http_client.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::FakeEnvironment;
using testing::FakeHttpClient;

TEST(EcrHostname, EveryPartitionFipsAndDualStack) {
  struct Case {
    const char* host;
    const char* id;
    const char* region;
    const char* suffix;
    bool fips;
  } cases[] = {
      {"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012", "eu-west-1", "amazonaws.com", false},
      {"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", "amazonaws.com", true},
      {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "123456789012", "cn-north-1", "amazonaws.com.cn", false},
      {"123456789012.dkr-ecr.us-east-2.on.aws", "123456789012", "us-east-2", "amazonaws.com", false},
      {"123456789012.dkr-ecr-fips.us-east-1.on.aws", "123456789012", "us-east-1", "amazonaws.com", true},
      {"123456789012.dkr-ecr.cn-northwest-1.on.aws", "123456789012", "cn-northwest-1", "amazonaws.com.cn", false},
      {"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "123456789012", "us-iso-east-1", "c2s.ic.gov", false},
      {"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "123456789012", "us-isob-east-1", "sc2s.sgov.gov", false},
      {"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", "123456789012", "eu-isoe-west-1", "cloud.adc-e.uk", false},
      {"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", "123456789012", "us-isof-south-1", "csp.hci.ic.gov",
       false},
      {"123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM:443", "123456789012", "eu-west-1", "amazonaws.com", false},
  };
  for (const auto& c : cases) {
    const auto r = parse_ecr_hostname(c.host);
    ASSERT_TRUE(r) << c.host;
    EXPECT_EQ(r->registry_id, c.id) << c.host;
    EXPECT_EQ(r->region, c.region) << c.host;
    EXPECT_EQ(r->dns_suffix, c.suffix) << c.host;
    EXPECT_EQ(r->fips, c.fips) << c.host;
    EXPECT_FALSE(r->is_public);
  }
}

TEST(EcrHostname, PublicAndNotEcr) {
  for (const char* host : {"public.ecr.aws", "ecr-public.aws.com"}) {
    const auto r = parse_ecr_hostname(host);
    ASSERT_TRUE(r) << host;
    EXPECT_TRUE(r->is_public);
    EXPECT_EQ(r->region, "us-east-1");
  }
  for (const char* host :
       {"ghcr.io", "12345678901.dkr.ecr.eu-west-1.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.on.aws",
        "123456789012.dkr-ecr.eu-west-1.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.io",
        "x123456789012.dkr.ecr.eu-west-1.amazonaws.com", "127.0.0.1:5000"})
    EXPECT_FALSE(parse_ecr_hostname(host)) << host;
}

TEST(EcrApiUrl, PartitionFipsAndOverrides) {
  FakeEnvironment env;
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("123456789012.dkr.ecr.eu-west-1.amazonaws.com"), env),
            "https://api.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"), env),
            "https://ecr-fips.us-east-1.amazonaws.com");
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"), env),
            "https://api.ecr.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("public.ecr.aws"), env), "https://api.ecr-public.us-east-1.amazonaws.com");
  env.vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9000/";
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("public.ecr.aws"), env), "http://127.0.0.1:9000");
  env.vars["AWS_ENDPOINT_URL_ECR"] = "http://127.0.0.1:9001";
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("123456789012.dkr.ecr.eu-west-1.amazonaws.com"), env),
            "http://127.0.0.1:9001");
  env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(ecr_api_url(*parse_ecr_hostname("123456789012.dkr.ecr.eu-west-1.amazonaws.com"), env),
            "https://api.ecr.eu-west-1.amazonaws.com");
}

TEST(EcrAuthorizationData, PrivateIsAListPublicIsAnObject) {
  const std::string token = base64_encode("AWS:pa:ss");
  const auto a = parse_authorization_data(
      R"({"authorizationData":[{"authorizationToken":")" + token +
          R"(","expiresAt":1448875853.241,"proxyEndpoint":"https://1.dkr.ecr.us-east-1.amazonaws.com"}]})",
      false);
  EXPECT_EQ(a.username, "AWS");
  EXPECT_EQ(a.password, "pa:ss");
  EXPECT_EQ(a.expires_at, 1448875853);
  EXPECT_EQ(a.proxy_endpoint, "https://1.dkr.ecr.us-east-1.amazonaws.com");
  const auto p = parse_authorization_data(
      R"({"authorizationData":{"authorizationToken":")" + token + R"(","expiresAt":1700000000}})", true);
  EXPECT_EQ(p.password, "pa:ss");
  EXPECT_THROW(parse_authorization_data(R"({"authorizationData":[]})", false), Error);
  EXPECT_THROW(
      parse_authorization_data(R"({"authorizationData":[{"authorizationToken":"bm9jb2xvbg==","expiresAt":1}]})", false),
      Error);
}

class EcrApiTest : public ::testing::Test {
 protected:
  FakeEnvironment env;
  FakeHttpClient http;
  EcrRegistry registry = *parse_ecr_hostname("123456789012.dkr.ecr.eu-west-1.amazonaws.com");
  EcrApi api{http, env, AwsCredentials{"AKID", "SECRET", "", std::nullopt, "environment"}, registry};
};

TEST_F(EcrApiTest, GetAuthorizationTokenIsASignedJsonCall) {
  http.answer(200, {},
              R"({"authorizationData":[{"authorizationToken":")" + base64_encode("AWS:pw") +
                  R"(","expiresAt":1700043200}]})");
  EXPECT_EQ(api.get_authorization_token().password, "pw");
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& r = http.requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://api.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(r.body, R"({"registryIds":["123456789012"]})");
  EXPECT_EQ(r.header("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
  EXPECT_EQ(r.header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(r.header("X-Amz-Date"), "20231114T221320Z");
  EXPECT_TRUE(
      r.header("Authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-1/ecr/aws4_request"));
}

TEST_F(EcrApiTest, ThrottlingBacksOffThenGivesUpWithOneLine) {
  for (int i = 0; i < 5; ++i) http.answer(400, {}, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  try {
    api.get_authorization_token();
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ECR registry 123456789012 in eu-west-1 GetAuthorizationToken refused: HTTP 400: ThrottlingException: "
                 "Rate exceeded (throttled after several retries: try again later)");
  }
  EXPECT_EQ(http.requests.size(), 5u);
  EXPECT_EQ(env.slept_ms, 500 + 1000 + 2000 + 4000);
}

TEST_F(EcrApiTest, RepositoriesAndPermissions) {
  http.answer(400, {}, R"({"__type":"RepositoryAlreadyExistsException","message":"exists"})");
  EXPECT_FALSE(api.create_repository("app"));
  http.answer(400, {}, R"({"__type":"RepositoryNotFoundException","message":"nope"})");
  EXPECT_FALSE(api.repository_exists("app"));
  http.answer(
      400, {},
      R"({"__type":"AccessDeniedException","message":"User: x is not authorized to perform: ecr:DescribeRepositories"})");
  EXPECT_TRUE(api.repository_exists("app"));
  http.answer(400, {}, R"({"__type":"AccessDeniedException","message":"not authorized"})");
  try {
    api.set_repository_policy("app", "{}");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(the IAM policy must allow ecr:SetRepositoryPolicy)"), std::string::npos);
  }
  EXPECT_EQ(http.requests[3].body, R"({"policyText":"{}","registryId":"123456789012","repositoryName":"app"})");
}

TEST(EcrApiPublic, UsesItsOwnServiceAndTarget) {
  FakeEnvironment env;
  FakeHttpClient http;
  EcrApi api{http, env, AwsCredentials{"AKID", "SECRET", "TOKEN", std::nullopt, "x"},
             *parse_ecr_hostname("public.ecr.aws")};
  http.answer(200, {},
              R"({"authorizationData":{"authorizationToken":")" + base64_encode("AWS:pub") +
                  R"(","expiresAt":1700043200}})");
  EXPECT_EQ(api.get_authorization_token().password, "pub");
  const auto& r = http.requests[0];
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(r.header("X-Amz-Target"), "SpencerFrontendService.GetAuthorizationToken");
  EXPECT_EQ(r.header("X-Amz-Security-Token"), "TOKEN");
  EXPECT_NE(r.header("Authorization").find("/us-east-1/ecr-public/aws4_request"), std::string::npos);
}

}  // namespace
}  // namespace ocipush
