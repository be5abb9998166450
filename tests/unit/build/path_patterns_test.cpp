// path_match against Go's filepath.Match table (match_test.go), and the .dockerignore reading and matching against ignorefile's and patternmatcher's tests.
#include "oci_push/build/path_patterns.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

struct GoMatchCase {
  const char* pattern;
  const char* name;
  bool match;
  bool bad_pattern;
};

// Go's matchTests (path/filepath/match_test.go).
const GoMatchCase kGoMatchTests[] = {
    {"abc", "abc", true, false},
    {"*", "abc", true, false},
    {"*c", "abc", true, false},
    {"a*", "a", true, false},
    {"a*", "abc", true, false},
    {"a*", "ab/c", false, false},
    {"a*/b", "abc/b", true, false},
    {"a*/b", "a/c/b", false, false},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", true, false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false},
    {"a*b?c*x", "abxbbxdbxebxczzx", true, false},
    {"a*b?c*x", "abxbbxdbxebxczzy", false, false},
    {"ab[c]", "abc", true, false},
    {"ab[b-d]", "abc", true, false},
    {"ab[e-g]", "abc", false, false},
    {"ab[^c]", "abc", false, false},
    {"ab[^b-d]", "abc", false, false},
    {"ab[^e-g]", "abc", true, false},
    {"a\\*b", "a*b", true, false},
    {"a\\*b", "ab", false, false},
    {"a?b", "a☺b", true, false},
    {"a[^a]b", "a☺b", true, false},
    {"a???b", "a☺b", false, false},
    {"a[^a][^a][^a]b", "a☺b", false, false},
    {"[a-ζ]*", "α", true, false},
    {"*[a-ζ]", "A", false, false},
    {"a?b", "a/b", false, false},
    {"a*b", "a/b", false, false},
    {"[\\]a]", "]", true, false},
    {"[\\-]", "-", true, false},
    {"[x\\-]", "x", true, false},
    {"[x\\-]", "-", true, false},
    {"[x\\-]", "z", false, false},
    {"[\\-x]", "x", true, false},
    {"[\\-x]", "-", true, false},
    {"[\\-x]", "a", false, false},
    {"[]a]", "]", false, true},
    {"[-]", "-", false, true},
    {"[x-]", "x", false, true},
    {"[x-]", "-", false, true},
    {"[x-]", "z", false, true},
    {"[-x]", "x", false, true},
    {"[-x]", "-", false, true},
    {"[-x]", "a", false, true},
    {"\\", "a", false, true},
    {"[a-b-c]", "a", false, true},
    {"[", "a", false, true},
    {"[^", "a", false, true},
    {"[^bc", "a", false, true},
    {"a[", "a", false, true},
    {"a[", "ab", false, true},
    {"a[", "x", false, true},
    {"a/b[", "x", false, true},
    {"*x", "xxx", true, false},
};

TEST(PathMatch, GoMatchTable) {
  for (const GoMatchCase& c : kGoMatchTests) {
    if (c.bad_pattern) {
      EXPECT_THROW(path_match(c.pattern, c.name), Error) << c.pattern << " vs " << c.name;
    } else {
      EXPECT_EQ(path_match(c.pattern, c.name), c.match) << c.pattern << " vs " << c.name;
    }
  }
}

TEST(PathMatch, MoreCases) {
  EXPECT_TRUE(path_match("[!a]", "!"));  // only ^ negates
  EXPECT_FALSE(path_match("[!a]", "b"));
  EXPECT_TRUE(path_match("[*]", "*"));   // a star inside a class is a member
  EXPECT_TRUE(path_match("[^a]", "/"));  // a class may match the separator
  EXPECT_TRUE(path_match("*.go", ".hidden.go"));
  EXPECT_FALSE(path_match("*", "a/b"));
  EXPECT_TRUE(path_match("", ""));
  EXPECT_FALSE(path_match("", "a"));
  // A malformed pattern fails even when an earlier part already rules the name out.
  EXPECT_THROW(path_match("x*[", "abc"), Error);
  try {
    path_match("a[", "a");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "syntax error in pattern \"a[\"");
  }
}

TEST(PathMatch, GlobCharacters) {
  EXPECT_TRUE(has_glob_chars("*.txt"));
  EXPECT_TRUE(has_glob_chars("dir/file?"));
  EXPECT_TRUE(has_glob_chars("[ab]"));
  EXPECT_FALSE(has_glob_chars("plain/path.txt"));
  EXPECT_FALSE(has_glob_chars("a\\*b"));  // escaped: BuildKit takes the name as it is
  EXPECT_FALSE(has_glob_chars(""));
}

// ignorefile's TestReadAll, plus comments and a byte order mark.
TEST(Dockerignore, ReadsLikeIgnorefile) {
  const std::string content =
      "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
  const std::vector<IgnorePattern> patterns = parse_dockerignore(content);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"test1", false}, {"test2", false}, {"a/file/here", false}, {"lastfile", false}, {"inverted/abs/path", true},
      {"", true},       {"", true},
  };
  ASSERT_EQ(patterns.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(patterns[i].pattern, expected[i].first) << i;
    EXPECT_EQ(patterns[i].exception, expected[i].second) << i;
  }
  const auto other = parse_dockerignore("\xEF\xBB\xBF# comment\r\n  ./x/  \r\n  # not a comment\n**/*.go\n/\n");
  ASSERT_EQ(other.size(), 4u);
  EXPECT_EQ(other[0].pattern, "x");
  EXPECT_EQ(other[1].pattern, "# not a comment");
  EXPECT_EQ(other[2].pattern, "**/*.go");
  EXPECT_EQ(other[3].pattern, "/");
  EXPECT_TRUE(parse_dockerignore("").empty());
  EXPECT_TRUE(parse_dockerignore("\n\n# only comments\n   \n").empty());
}

IgnoreMatcher matcher_of(std::string_view dockerignore) { return IgnoreMatcher(parse_dockerignore(dockerignore)); }

TEST(Dockerignore, DirectoriesExcludeWhatIsInside) {
  const IgnoreMatcher m = matcher_of("dir/\nbuild\n*.log\n");
  EXPECT_TRUE(m.excluded("dir"));
  EXPECT_TRUE(m.excluded("dir/file"));
  EXPECT_TRUE(m.excluded("dir/sub/deep.txt"));
  EXPECT_FALSE(m.excluded("dirt"));
  EXPECT_TRUE(m.excluded("build/out.o"));
  EXPECT_TRUE(m.excluded("app.log"));
  EXPECT_FALSE(m.excluded("sub/app.log"));  // no ** : only at the top
  EXPECT_FALSE(m.excluded("src/main.c"));
  EXPECT_FALSE(m.excluded(""));
  EXPECT_FALSE(m.excluded("."));
  EXPECT_TRUE(m.excluded("./dir/x"));  // cleaned first
  EXPECT_FALSE(m.has_exceptions());
}

TEST(Dockerignore, DoubleStarAndLastMatchWins) {
  const IgnoreMatcher m = matcher_of("**/*.go\n!cmd/**/main.go\ncmd/tools/main.go\n");
  EXPECT_TRUE(m.excluded("x.go"));
  EXPECT_TRUE(m.excluded("pkg/a/b.go"));
  EXPECT_FALSE(m.excluded("cmd/main.go"));
  EXPECT_FALSE(m.excluded("cmd/app/main.go"));
  EXPECT_TRUE(m.excluded("cmd/tools/main.go"));
  EXPECT_FALSE(m.excluded("README.md"));
  EXPECT_TRUE(m.has_exceptions());
}

TEST(Dockerignore, ExceptionReincludesInsideExcludedDirectory) {
  const IgnoreMatcher m = matcher_of("docs\n!docs/README.md\n");
  EXPECT_TRUE(m.excluded("docs"));
  EXPECT_TRUE(m.excluded("docs/guide.md"));
  EXPECT_FALSE(m.excluded("docs/README.md"));
  const IgnoreMatcher all = matcher_of("*\n!keep\n");
  EXPECT_TRUE(all.excluded("a"));
  EXPECT_FALSE(all.excluded("keep"));
  EXPECT_FALSE(all.excluded("keep/inner"));          // keep's match through its parent is undone as well
  EXPECT_TRUE(matcher_of("!a\na\n").excluded("a"));  // order matters: an early exception undoes nothing
}

TEST(Dockerignore, RefusesBadPatterns) {
  EXPECT_THROW(matcher_of("!\n"), Error);
  EXPECT_THROW(matcher_of("a[\n"), Error);
  EXPECT_THROW(IgnoreMatcher::from_patterns({"["}), Error);
  EXPECT_THROW(IgnoreMatcher::from_patterns({"[Local-Only]/"}), Error);  // moby issue 52203
  EXPECT_TRUE(IgnoreMatcher().empty());
  EXPECT_FALSE(IgnoreMatcher().excluded("anything"));
}

struct PatternCase {
  const char* pattern;
  const char* path;
  bool excluded;
};

// patternmatcher's TestMatches (single patterns, MatchesOrParentMatches).
TEST(Dockerignore, PatternmatcherTable) {
  const PatternCase cases[] = {
      {"**", "file", true},
      {"**", "file/", true},
      {"**/", "file", true},
      {"**/", "file/", true},
      {"**", "/", true},
      {"**/", "/", true},
      {"**", "dir/file", true},
      {"**/", "dir/file", true},
      {"**", "dir/file/", true},
      {"**/", "dir/file/", true},
      {"**/**", "dir/file", true},
      {"**/**", "dir/file/", true},
      {"dir/**", "dir/file", true},
      {"dir/**", "dir/file/", true},
      {"dir/**", "dir/dir2/file", true},
      {"dir/**", "dir/dir2/file/", true},
      {"**/dir", "dir", true},
      {"**/dir", "dir/file", true},
      {"**/dir2/*", "dir/dir2/file", true},
      {"**/dir2/*", "dir/dir2/file/", true},
      {"**/dir2/**", "dir/dir2/dir3/file", true},
      {"**/dir2/**", "dir/dir2/dir3/file/", true},
      {"**file", "file", true},
      {"**file", "dir/file", true},
      {"**/file", "dir/file", true},
      {"**file", "dir/dir/file", true},
      {"**/file", "dir/dir/file", true},
      {"**/file*", "dir/dir/file", true},
      {"**/file*", "dir/dir/file.txt", true},
      {"**/file*txt", "dir/dir/file.txt", true},
      {"**/file*.txt", "dir/dir/file.txt", true},
      {"**/file*.txt*", "dir/dir/file.txt", true},
      {"**/**/*.txt", "dir/dir/file.txt", true},
      {"**/**/*.txt2", "dir/dir/file.txt", false},
      {"**/*.txt", "file.txt", true},
      {"**/**/*.txt", "file.txt", true},
      {"a**/*.txt", "a/file.txt", true},
      {"a**/*.txt", "a/dir/file.txt", true},
      {"a**/*.txt", "a/dir/dir/file.txt", true},
      {"a/*.txt", "a/dir/file.txt", false},
      {"a/*.txt", "a/file.txt", true},
      {"a/*.txt**", "a/file.txt", true},
      {"a[b-d]e", "ae", false},
      {"a[b-d]e", "ace", true},
      {"a[b-d]e", "aae", false},
      {"a[^b-d]e", "aze", true},
      {".*", ".foo", true},
      {".*", "foo", false},
      {"abc.def", "abcdef", false},
      {"abc.def", "abc.def", true},
      {"abc.def", "abcZdef", false},
      {"abc?def", "abcZdef", true},
      {"abc?def", "abcdef", false},
      {"a\\\\", "a\\", true},
      {"**/foo/bar", "foo/bar", true},
      {"**/foo/bar", "dir/foo/bar", true},
      {"**/foo/bar", "dir/dir2/foo/bar", true},
      {"abc/**", "abc", false},
      {"abc/**", "abc/def", true},
      {"abc/**", "abc/def/ghi", true},
      {"**/.foo", ".foo", true},
      {"**/.foo", "bar.foo", false},
      {"a(b)c/def", "a(b)c/def", true},
      {"a(b)c/def", "a(b)c/xyz", false},
      {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
      {"a\\*b", "a*b", true},
      {"a*", "ab/c", true},       // through the parent "ab"
      {"**foo", "barfoo", true},  // patternmatcher's suffix shortcut: any path ending in "foo"
  };
  for (const PatternCase& c : cases) {
    EXPECT_EQ(IgnoreMatcher::from_patterns({c.pattern}).excluded(c.path), c.excluded) << c.pattern << " vs " << c.path;
  }
  const auto web = IgnoreMatcher::from_patterns({"**", "!util/docker/web"});
  EXPECT_FALSE(web.excluded("util/docker/web/foo"));
  EXPECT_TRUE(
      IgnoreMatcher::from_patterns({"**", "!util/docker/web", "util/docker/web/foo"}).excluded("util/docker/web/foo"));
  EXPECT_FALSE(IgnoreMatcher::from_patterns({"**", "!dist/*.whl"})
                   .excluded("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"));
  EXPECT_FALSE(IgnoreMatcher::from_patterns({"docs", "  !docs/README.md  ", ""}).excluded("docs/README.md"));
}

}  // namespace
}  // namespace ocipush
