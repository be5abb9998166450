#include "oci_push/registry/registry_auth.h"

#include <gtest/gtest.h>

#include "fakes/fake_http_client.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::FakeHttpClient;

HttpResponse challenge(const std::string& value, long status = 401) {
  return {status, {{"www-authenticate", value}}, ""};
}

const std::vector<std::string> kScopes{"repository:app:pull,push"};

TEST(RegistryAuthPure, ScopesUrlsAndAnswers) {
  AuthChallenge c{"bearer",
                  {{"realm", "https://public.ecr.aws/token/"}, {"service", "public.ecr.aws"}, {"scope", "aws"}}};
  EXPECT_EQ(challenge_extra_scopes(c), std::vector<std::string>{"aws"});
  c.params["scope"] = "repository:x:pull aws";
  EXPECT_EQ(challenge_extra_scopes(c), std::vector<std::string>{"aws"});
  EXPECT_EQ(token_request_url(c, {"repository:a/b:pull", "aws"}),
            "https://public.ecr.aws/token/?service=public.ecr.aws&scope=repository%3Aa%2Fb%3Apull&scope=aws");
  EXPECT_EQ(refresh_token_form(c, {"repository:a:pull", "aws"}, "r/t"),
            "grant_type=refresh_token&refresh_token=r%2Ft&service=public.ecr.aws&scope=repository%3Aa%3Apull%20aws&"
            "client_id=oci-push");
  const auto t = parse_token_answer(R"({"access_token":"A","expires_in":30,"refresh_token":"R"})", "s");
  EXPECT_EQ(t.token, "A");
  EXPECT_EQ(t.refresh_token, "R");
  EXPECT_EQ(t.lifetime, std::chrono::seconds(30));
  EXPECT_EQ(parse_token_answer(R"({"token":"T"})", "s").lifetime, std::chrono::seconds(60));
  EXPECT_THROW(parse_token_answer("{}", "s"), Error);
}

TEST(RegistryAuth, EcrPublicScopeAwsCachedWithTheRepositoryScope) {
  FakeHttpClient http;
  RegistryAuth auth(http, "public.ecr.aws", Credentials{"AWS", "pw", "", "", nullptr});
  ASSERT_TRUE(auth.learn_challenge(
      challenge(R"(Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws")")));
  http.answer(200, {}, R"({"token":"T1"})");
  HttpRequest r1{"HEAD", "https://public.ecr.aws/v2/a/app/blobs/x", {}, {}, 0};
  auth.authorize(r1, {"repository:a/app:pull,push"}, "https://public.ecr.aws");
  HttpRequest r2 = r1;
  r2.headers.clear();
  auth.authorize(r2, {"repository:a/app:pull,push"}, "https://public.ecr.aws");
  ASSERT_EQ(http.requests.size(), 1u);  // the second request reused the cached token
  EXPECT_EQ(http.requests[0].url,
            "https://public.ecr.aws/token/?service=public.ecr.aws&scope=repository%3Aa%2Fapp%3Apull%2Cpush&scope=aws");
  EXPECT_EQ(http.requests[0].header("Authorization"), "Basic " + base64_encode("AWS:pw"));
  EXPECT_EQ(r2.headers.at(0).value, "Bearer T1");
}

TEST(RegistryAuth, IdentityTokenUsesOAuth2AndKeepsTheNewRefreshToken) {
  FakeHttpClient http;
  RegistryAuth auth(http, "reg.io", Credentials{"", "", "refresh-1", "", nullptr});
  auth.learn_challenge(challenge(R"(Bearer realm="https://auth.io/token",service="reg.io")"));
  http.answer(200, {}, R"({"access_token":"A1","refresh_token":"refresh-2","expires_in":300})");
  http.answer(200, {}, R"({"access_token":"A2"})");
  HttpRequest r{"GET", "https://reg.io/v2/x/manifests/1", {}, {}, 0};
  auth.authorize(r, {"repository:x:pull"}, "https://reg.io");
  auth.authorize(r, {"repository:y:pull"}, "https://reg.io");
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].method, "POST");
  EXPECT_EQ(http.requests[0].header("Authorization"), "<none>");
  EXPECT_NE(http.requests[0].body.find("refresh_token=refresh-1"), std::string::npos);
  EXPECT_NE(http.requests[1].body.find("refresh_token=refresh-2"), std::string::npos);
}

TEST(RegistryAuth, RegistryTokenIsSentAsIs) {
  FakeHttpClient http;
  RegistryAuth auth(http, "reg.io", Credentials{"", "", "", "RT", nullptr});
  auth.learn_challenge(challenge(R"(Bearer realm="https://auth.io/token")"));
  HttpRequest r{"GET", "https://reg.io/v2/", {}, {}, 0};
  auth.authorize(r, kScopes, "https://reg.io");
  EXPECT_EQ(r.headers.at(0).value, "Bearer RT");
  EXPECT_TRUE(http.requests.empty());
}

TEST(RegistryAuth, RefreshableCredentialsAreRefreshedOnceAfterA403) {
  FakeHttpClient http;
  int refreshed = 0;
  Credentials creds{"AWS", "old", "", "", nullptr};
  creds.refresh = std::make_shared<std::function<Credentials()>>([&] {
    ++refreshed;
    return Credentials{"AWS", "new", "", "", nullptr};
  });
  RegistryAuth auth(http, "1.dkr.ecr.eu-west-1.amazonaws.com", creds);
  auth.learn_challenge(
      challenge(R"(Basic realm="https://1.dkr.ecr.eu-west-1.amazonaws.com/",service="ecr.amazonaws.com")"));
  HttpRequest r{"PUT", "https://1.dkr.ecr.eu-west-1.amazonaws.com/v2/app/manifests/1", {}, {}, 0};
  const uint64_t gen = auth.authorize(r, kScopes, "https://1.dkr.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(r.headers.at(0).value, "Basic " + base64_encode("AWS:old"));
  const HttpResponse expired{403, {}, "Your authorization token has expired."};
  EXPECT_TRUE(auth.refused(expired, kScopes, gen));
  EXPECT_TRUE(auth.refused(expired, kScopes, gen));  // a second request of the old generation: just retry
  EXPECT_EQ(refreshed, 1);
  r.headers.clear();
  const uint64_t gen2 = auth.authorize(r, kScopes, "https://1.dkr.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(r.headers.at(0).value, "Basic " + base64_encode("AWS:new"));
  EXPECT_TRUE(auth.refused(expired, kScopes, gen2));
  EXPECT_FALSE(auth.refused(expired, kScopes, gen2 + 1));  // bounded: no endless refreshing
  EXPECT_EQ(refreshed, 2);
}

TEST(RegistryAuth, NothingForOtherHostsNorPlainHttpToRemoteHosts) {
  FakeHttpClient http;
  RegistryAuth auth(http, "reg.io", Credentials{"u", "p", "", "", nullptr});
  auth.learn_challenge(challenge(R"(Basic realm="reg")"));
  HttpRequest storage{"GET", "https://s3.example/blob", {}, {}, 0};
  auth.authorize(storage, kScopes, "https://reg.io");
  EXPECT_TRUE(storage.headers.empty());
  HttpRequest plain{"GET", "http://reg.io/v2/", {}, {}, 0};
  EXPECT_THROW(auth.authorize(plain, kScopes, "http://reg.io"), Error);
}

TEST(RegistryAuth, TokenServerRefusalIsOneLineWithoutSecrets) {
  FakeHttpClient http;
  RegistryAuth auth(http, "reg.io", Credentials{"u", "s3cret", "", "", nullptr});
  auth.learn_challenge(challenge(R"(Bearer realm="https://auth.io/token",service="reg.io")"));
  http.answer(401, {}, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad"}]})");
  HttpRequest r{"GET", "https://reg.io/v2/", {}, {}, 0};
  try {
    auth.authorize(r, kScopes, "https://reg.io");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "token server https://auth.io refused a token for repository:app:pull,push on reg.io: "
                           "HTTP 401: UNAUTHORIZED bad (credentials rejected)");
  }
}

}  // namespace
}  // namespace ocipush
