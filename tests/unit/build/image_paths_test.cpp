// The image path rules against Go's path.Clean table (path_test.go) and the forms builds use.
#include "oci_push/build/image_paths.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ocipush {
namespace {

TEST(ImagePaths, GoCleanTable) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "."},
      {"abc", "abc"},
      {"abc/def", "abc/def"},
      {"a/b/c", "a/b/c"},
      {".", "."},
      {"..", ".."},
      {"../..", "../.."},
      {"../../abc", "../../abc"},
      {"/abc", "/abc"},
      {"/", "/"},
      {"abc/", "abc"},
      {"abc/def/", "abc/def"},
      {"/abc/", "/abc"},
      {"abc//def//ghi", "abc/def/ghi"},
      {"//abc", "/abc"},
      {"///abc", "/abc"},
      {"abc/./def", "abc/def"},
      {"/./abc/def", "/abc/def"},
      {"abc/.", "abc"},
      {"abc/def/ghi/../jkl", "abc/def/jkl"},
      {"abc/def/../ghi/../jkl", "abc/jkl"},
      {"abc/def/..", "abc"},
      {"abc/def/../..", "."},
      {"/abc/def/../..", "/"},
      {"abc/def/../../..", ".."},
      {"/abc/def/../../..", "/"},
      {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
      {"/../abc", "/abc"},
      {"abc/./../def", "def"},
      {"abc//./../def", "def"},
      {"abc/../../././../def", "../../def"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(clean_path(in), out) << in;
}

TEST(ImagePaths, CleanAbsolutePath) {
  EXPECT_EQ(clean_absolute_path("/a/./b/../c/"), "/a/c");
  EXPECT_EQ(clean_absolute_path("/"), "/");
  EXPECT_EQ(clean_absolute_path(""), "/");
  EXPECT_EQ(clean_absolute_path("//a//b"), "/a/b");
  EXPECT_EQ(clean_absolute_path("a/b"), "/a/b");
}

// ".." above the root stays at the root and the rest of the path still counts, as Go's path.Clean has it
// ("/../x" -> "/x"); the header promises absolute in, absolute out, and "/" would lose "x".
TEST(ImagePaths, CleanAbsolutePathAboveTheRootKeepsTheRest) {
  EXPECT_EQ(clean_absolute_path("/../x"), "/x");
  EXPECT_EQ(clean_absolute_path("/a/../../b/c"), "/b/c");
  EXPECT_EQ(resolve_under("/app", "/../etc/conf"), "/etc/conf");
}

TEST(ImagePaths, ResolveUnder) {
  EXPECT_EQ(resolve_under("/app", "x"), "/app/x");
  EXPECT_EQ(resolve_under("/app", "x/../y/"), "/app/y");
  EXPECT_EQ(resolve_under("/app", "/abs/./p"), "/abs/p");
  EXPECT_EQ(resolve_under("/app/sub", ".."), "/app");
  EXPECT_EQ(resolve_under("/app", "../../.."), "/");
  EXPECT_EQ(resolve_under("/", "a"), "/a");
  EXPECT_EQ(resolve_under("/app", "."), "/app");
}

TEST(ImagePaths, CleanRelativePathRefusesToClimbAboveItsStart) {
  EXPECT_EQ(clean_relative_path("a/./b/../c"), "a/c");
  EXPECT_EQ(clean_relative_path("/a//b/"), "a/b");
  EXPECT_EQ(clean_relative_path(""), "");
  EXPECT_EQ(clean_relative_path("."), "");
  EXPECT_EQ(clean_relative_path("a/.."), "");
  EXPECT_EQ(clean_relative_path(".."), std::nullopt);
  EXPECT_EQ(clean_relative_path("a/../../b"), std::nullopt);
  EXPECT_EQ(clean_relative_path("/../etc/passwd"), std::nullopt);
  EXPECT_EQ(clean_relative_path("..a/b"), "..a/b");  // a name that starts with dots is a name
}

TEST(ImagePaths, SplitPathKeepsOnlyNonEmptyParts) {
  EXPECT_EQ(split_path("a//b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_path("/x"), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(split_path("").empty());
  EXPECT_TRUE(split_path("//").empty());
}

TEST(ImagePaths, AtOrBelowIsByWholeParts) {
  EXPECT_TRUE(path_is_at_or_below("a/b", "a"));
  EXPECT_TRUE(path_is_at_or_below("a", "a"));
  EXPECT_TRUE(path_is_at_or_below("anything", ""));
  EXPECT_FALSE(path_is_at_or_below("a-b", "a"));
  EXPECT_FALSE(path_is_at_or_below("a", "a/b"));
}

}  // namespace
}  // namespace ocipush
