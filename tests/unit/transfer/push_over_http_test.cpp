// Whole pushes through RegistrySink and RegistryClient against FakeHttpClient serving the distribution
// API from memory: the requests a push makes, and what the "registry" ends up holding.
#include <gtest/gtest.h>

#include "transfer/http_push_run.h"
#include "transfer/test_images.h"

namespace ocipush {
namespace {

using testing::HttpRun;

TEST(PushOverHttp, AnImageIsUploadedThenTaggedOverTheRegistryProtocol) {
  HttpRun run;
  auto image = testing::uncompressed_image({"one", "two"});
  auto result = run.push(testing::contents_of({testing::named(image, "app:1")}));

  const auto& stored = run.store->manifests["app"]["1"];
  EXPECT_EQ(sha256_of(stored.bytes), result.repositories[0].manifest.digest);
  for (const auto& l : parse_image_manifest(stored.bytes, "stored").layers)
    EXPECT_EQ(sha256_of(run.store->blobs["app"][l.digest]), l.digest);
  EXPECT_EQ(run.requests("POST", "/v2/app/blobs/uploads/"), 3u);  // two layers and the config
  EXPECT_EQ(run.requests("PUT", "/v2/app/manifests/1"), 1u);
  EXPECT_EQ(run.http.requests.back().method, "PUT");  // the tag is the last thing written
  EXPECT_NE(run.http.requests.back().url.find("/manifests/1"), std::string::npos);
}

TEST(PushOverHttp, ABusyManifestPutIsRetriedAndTheTagLands) {
  HttpRun run;
  run.registry.busy_manifest_puts = 1;
  run.push(testing::contents_of({testing::named(testing::uncompressed_image({"one"}), "app:1")}));
  EXPECT_EQ(run.requests("PUT", "/v2/app/manifests/1"), 2u);
  EXPECT_EQ(run.store->tag_count(), 1u);
}

TEST(PushOverHttp, ASharedLayerIsMountedAcrossRepositoriesWithAll) {
  HttpRun run;
  run.options.all = true;
  run.options.target = "registry.test/team";
  auto a = testing::uncompressed_image({"base", "a"});
  auto b = testing::uncompressed_image({"base", "b"});
  auto result = run.push(testing::contents_of({testing::named(a, "a:1"), testing::named(b, "b:1")}));
  const Digest base = result.repositories[0].manifest.layers[0].descriptor.digest;
  EXPECT_EQ(run.requests("POST", "/v2/team/b/blobs/uploads/?mount=" + base.algorithm), 1u);
  EXPECT_TRUE(run.store->holds("team/b", base));
  EXPECT_TRUE(run.store->manifests["team/b"].count("1"));
}

TEST(PushOverHttp, AnUnknownUploadSessionIsAnErrorAndNothingIsTagged) {
  HttpRun run;
  run.store->broken.insert(sha256_of(testing::config_with({sha256_of("x")})));  // the config's PUT fails
  std::string error;
  try {
    run.push(testing::contents_of({testing::named(testing::uncompressed_image({"x"}), "app:1")}));
  } catch (const Error& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("DIGEST_INVALID"), std::string::npos) << error;
  EXPECT_EQ(run.requests("PUT", "/manifests/"), 0u);
}

}  // namespace
}  // namespace ocipush
