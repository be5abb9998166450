#include "oci_push/auth/aws/ecr_token_cache.h"

#include <gtest/gtest.h>

#include "fakes/fake_environment.h"

namespace ocipush {
namespace {

using testing::FakeEnvironment;

TEST(EcrTokenFreshness, HalfItsLifetime) {
  CachedEcrToken t{{"AWS", "pw", 1000 + 43200, ""}, 1000};
  EXPECT_TRUE(ecr_token_is_fresh(t, 1000));
  EXPECT_TRUE(ecr_token_is_fresh(t, 1000 + 21599));
  EXPECT_FALSE(ecr_token_is_fresh(t, 1000 + 21600));
  EXPECT_FALSE(ecr_token_is_fresh(t, 999));  // the clock went back: do not trust it
  EXPECT_FALSE(ecr_token_is_fresh(CachedEcrToken{{"AWS", "pw", 900, ""}, 1000}, 1000));
}

TEST(EcrTokenCache, KeyedByRegionRegistryAndKeyHash) {
  EcrRegistry r{"123456789012", "eu-west-1"};
  const std::string key = ecr_cache_key(r, "AKID");
  EXPECT_TRUE(key.starts_with("eu-west-1/123456789012/"));
  EXPECT_EQ(key.find("AKID"), std::string::npos);
  EXPECT_NE(key, ecr_cache_key(r, "AKID2"));
  r.is_public = true;
  EXPECT_TRUE(ecr_cache_key(r, "AKID").starts_with("eu-west-1/public/"));
}

TEST(EcrTokenCache, StoreFindExpireAndDisable) {
  FakeEnvironment env;
  env.vars["XDG_CACHE_HOME"] = "/x";
  EcrTokenCache cache(env);
  EXPECT_EQ(cache.path(), "/x/oci-push/ecr-tokens.json");
  EXPECT_FALSE(cache.find("k"));
  cache.store("k", {"AWS", "pw", env.clock + 100, "e"});
  ASSERT_TRUE(cache.find("k"));
  EXPECT_EQ(cache.find("k")->password, "pw");
  env.clock += 50;
  EXPECT_FALSE(cache.find("k"));
  env.files["/x/oci-push/ecr-tokens.json"] = "not json";
  EXPECT_FALSE(cache.find("k"));
  env.vars["AWS_ECR_DISABLE_CACHE"] = "true";
  EXPECT_FALSE(EcrTokenCache(env).enabled());
  env.vars.erase("XDG_CACHE_HOME");
  env.vars.erase("AWS_ECR_DISABLE_CACHE");
  env.vars["HOME"] = "/home/u";
  EXPECT_EQ(EcrTokenCache(env).path(), "/home/u/.cache/oci-push/ecr-tokens.json");
}

}  // namespace
}  // namespace ocipush
