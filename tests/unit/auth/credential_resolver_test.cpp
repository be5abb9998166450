#include "oci_push/auth/credential_resolver.h"

#include <gtest/gtest.h>

#include "fakes/fake_environment.h"
#include "fakes/fake_http_client.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::FakeEnvironment;
using testing::FakeHttpClient;

const std::string kEcr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

std::string token_answer(const std::string& password, int64_t expires) {
  return R"({"authorizationData":[{"authorizationToken":")" + base64_encode("AWS:" + password) + R"(","expiresAt":)" +
         std::to_string(expires) + "}]}";
}

class Resolver : public ::testing::Test {
 protected:
  Resolver() {
    env.vars["HOME"] = "/h";
    env.vars["AWS_ACCESS_KEY_ID"] = "AKID";
    env.vars["AWS_SECRET_ACCESS_KEY"] = "SECRET";
    options.environment = &env;
  }
  FakeEnvironment env;
  FakeHttpClient http;
  AuthOptions options;
};

TEST_F(Resolver, CommandLineWinsOverEverything) {
  options.credentials = Credentials{"u", "p", "", "", nullptr};
  EXPECT_EQ(resolve_credentials(kEcr, options, http)->username, "u");
  EXPECT_TRUE(http.requests.empty());
}

TEST_F(Resolver, EcrLoginIsCachedAndRefreshable) {
  http.answer(200, {}, token_answer("pw1", env.clock + 43200));
  auto creds = resolve_credentials(kEcr, options, http);
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->username, "AWS");
  EXPECT_EQ(creds->password, "pw1");
  EXPECT_TRUE(env.files.count("/h/.cache/oci-push/ecr-tokens.json"));
  // The next run finds the token in the cache.
  EXPECT_EQ(resolve_credentials(kEcr, AuthOptions{.environment = &env}, http)->password, "pw1");
  EXPECT_EQ(http.requests.size(), 1u);
  // After a refusal the refresh goes past the cache.
  http.answer(200, {}, token_answer("pw2", env.clock + 43200));
  ASSERT_TRUE(creds->refresh);
  EXPECT_EQ((*creds->refresh)().password, "pw2");
  EXPECT_EQ(http.requests.size(), 2u);
}

TEST_F(Resolver, EcrByNameFallsBackToStoredCredentialsWithoutAws) {
  env.vars.erase("AWS_ACCESS_KEY_ID");
  env.vars.erase("AWS_SECRET_ACCESS_KEY");
  env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  env.files["/h/.docker/config.json"] =
      R"({"auths":{")" + kEcr + R"(":{"auth":")" + base64_encode("AWS:stored") + R"("}}})";
  EXPECT_EQ(resolve_credentials(kEcr, options, http)->password, "stored");
  options.ecr_region = "eu-west-1";  // said explicitly: the AWS failure is the answer
  try {
    resolve_credentials("127.0.0.1:5000", options, http);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(
        "cannot log in to ECR registry 127.0.0.1:5000 (eu-west-1): no AWS credentials found"))
        << e.what();
  }
}

TEST_F(Resolver, ExplicitEcrOptions) {
  options.ecr_registry_id = "123456789012";
  EXPECT_THROW(ecr_registry_for("127.0.0.1:5000", options), UsageError);  // no region anywhere
  env.vars["AWS_REGION"] = "us-west-2";
  const auto r = ecr_registry_for("127.0.0.1:5000", options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->region, "us-west-2");
  EXPECT_EQ(r->registry_id, "123456789012");
  EXPECT_FALSE(ecr_registry_for("127.0.0.1:5000", AuthOptions{}));
  EXPECT_TRUE(ecr_registry_for("x", AuthOptions{.ecr_public = true})->is_public);
}

TEST_F(Resolver, MissingRepositoryIsOneClearLine) {
  http.answer(400, {}, R"({"__type":"RepositoryNotFoundException","message":"nope"})");
  try {
    prepare_repository(kEcr, "team/app", options, http);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "repository team/app does not exist in ECR registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com "
                 "(account 123456789012, eu-west-1): add --create-repository, or create it with "
                 "`aws ecr create-repository --repository-name team/app --region eu-west-1`");
  }
}

TEST_F(Resolver, CreateRepositoryThenPolicy) {
  options.create_repository = true;
  options.repository_policy_file = "/p.json";
  env.files["/p.json"] = R"({"Version":"2012-10-17"})";
  http.answer(200, {}, R"({"repository":{}})");
  http.answer(200, {}, "{}");
  prepare_repository(kEcr, "app", options, http);
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].header("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.CreateRepository");
  EXPECT_EQ(http.requests[1].header("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.SetRepositoryPolicy");
  prepare_repository("ghcr.io", "app", options, http);  // not ECR: nothing to prepare
  EXPECT_EQ(http.requests.size(), 2u);
}

}  // namespace
}  // namespace ocipush
