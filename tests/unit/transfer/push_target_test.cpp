#include "oci_push/transfer/push_target.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using Tags = std::vector<std::string>;

TEST(PushTarget, TargetWithTagPlusExtraTags) {
  auto t = resolve_push_targets("127.0.0.1:5000/app:1.4", "", {"latest", "1.4"}, {"ignored:x"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].registry, "127.0.0.1:5000");
  EXPECT_EQ(t[0].api_host, "127.0.0.1:5000");
  EXPECT_EQ(t[0].repository, "app");
  EXPECT_EQ(t[0].tags, (Tags{"1.4", "latest"}));
  EXPECT_EQ(t[0].name(), "127.0.0.1:5000/app");
}

TEST(PushTarget, TargetWithoutTagTakesTagsFromRepoTags) {
  auto t = resolve_push_targets("localhost:5000/mirror/app", "", {}, {"app:1.0", "app:latest"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].repository, "mirror/app");
  EXPECT_EQ(t[0].tags, (Tags{"1.0", "latest"}));
}

TEST(PushTarget, NoTargetUsesRepoTagsUnderRegistry) {
  auto t = resolve_push_targets("", "127.0.0.1:5000", {"extra"}, {"app:1.0", "team/tool:2", "app:latest"});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name(), "127.0.0.1:5000/app");
  EXPECT_EQ(t[0].tags, (Tags{"1.0", "latest", "extra"}));
  EXPECT_EQ(t[1].name(), "127.0.0.1:5000/team/tool");
  EXPECT_EQ(t[1].tags, (Tags{"2", "extra"}));
}

TEST(PushTarget, RepoTagWithItsOwnRegistryIsMovedUnderRegistry) {
  auto t = resolve_push_targets("", "127.0.0.1:5000", {}, {"quay.io/org/app:3"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name(), "127.0.0.1:5000/org/app");
}

TEST(PushTarget, DigestOnlyTargetNeedsNoTag) {
  std::string digest = "sha256:" + std::string(64, 'c');
  auto t = resolve_push_targets("127.0.0.1:5000/app@" + digest, "", {}, {});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].tags.empty());
  EXPECT_EQ(t[0].digest, digest);
}

TEST(PushTarget, Errors) {
  EXPECT_THROW(resolve_push_targets("127.0.0.1:5000/App:1", "", {}, {}), UsageError);
  EXPECT_THROW(resolve_push_targets("127.0.0.1:5000/app:1", "", {"bad tag"}, {}), UsageError);
  EXPECT_THROW(resolve_push_targets("127.0.0.1:5000/app:1", "other:5000", {}, {}), UsageError);
  EXPECT_THROW(resolve_push_targets("", "", {}, {"app:1"}), UsageError);
  try {
    resolve_push_targets("127.0.0.1:5000/app", "", {}, {});
    FAIL();
  } catch (const UsageError&) {
    FAIL() << "missing tag is not a usage error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no tag for 127.0.0.1:5000/app"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_push_targets("", "127.0.0.1:5000", {}, {}), Error);
}

}  // namespace
}  // namespace ocipush
