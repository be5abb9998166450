// ShellLexer against BuildKit's own expansion tables (testdata/dockerfile/shell, read as lex_test.go
// reads them) and the cases lex_test.go spells out in code.
#include "oci_push/build/shell_words.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;

const fs::path kShellData = fs::path(OCI_PUSH_TESTDATA_DIR) / "dockerfile" / "shell";

// The file's lines as bufio.Scanner gives them ('\n' split, a '\r' before it dropped).
std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string trim(std::string_view text, std::string_view blanks = " \t\r\n\v\f") {
  const size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(blanks) - first + 1));
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) out += fmt::format("[{}]", word);
  return out;
}

// `PLATFORM | INPUT | EXPECTED`: the single word INPUT expands to, or an error.
TEST(ShellWordsData, EnvVarTest) {
  const fs::path path = kShellData / "envVarTest";
  const std::vector<std::string> lines = read_lines(path);
  ASSERT_FALSE(lines.empty()) << "missing or empty: " << path;
  const ShellLexer lexer;
  const ShellVariables env = {{"PWD", "/home"}, {"SHELL", "bash"}, {"KOREAN", "한국어"}, {"NULL", ""}};
  int cases = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with('#')) continue;
    const std::string line = trim(lines[i]);
    if (line.empty()) continue;
    const std::vector<std::string> fields = split(line, '|');
    ASSERT_EQ(fields.size(), 3u) << "envVarTest line " << i + 1 << ": " << line;
    const std::string platform = trim(fields[0]);
    const std::string source = trim(fields[1]);
    const std::string expected = trim(fields[2]);
    ASSERT_TRUE(platform == "A" || platform == "U" || platform == "W") << "line " << i + 1;
    if (platform == "W") continue;
    ++cases;
    const std::string where = fmt::format("envVarTest line {}: {}", i + 1, source);
    if (expected == "error") {
      EXPECT_THROW(lexer.expand_word(source, env), Error) << where;
      continue;
    }
    try {
      EXPECT_EQ(lexer.expand_word(source, env), expected) << where;
    } catch (const Error& e) {
      ADD_FAILURE() << where << ": " << e.what();
    }
  }
  EXPECT_EQ(cases, 228);
}

// `ENV name=value` lines add variables; `INPUT | W1,W2` lines give the words INPUT splits into.
TEST(ShellWordsData, WordsTest) {
  const fs::path path = kShellData / "wordsTest";
  const std::vector<std::string> lines = read_lines(path);
  ASSERT_FALSE(lines.empty()) << "missing or empty: " << path;
  const ShellLexer lexer;
  ShellVariables env;
  int cases = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.starts_with('#')) continue;
    if (line.starts_with("ENV ")) {
      const std::string assignment = line.substr(line.find_first_not_of(' ', 3));
      const size_t equals = assignment.find('=');
      env.emplace_back(assignment.substr(0, equals), equals == std::string::npos ? "" : assignment.substr(equals + 1));
      continue;
    }
    const std::vector<std::string> fields = split(line, '|');
    ASSERT_EQ(fields.size(), 2u) << "wordsTest line " << i + 1 << ": " << line;
    const std::string input = trim(fields[0]);
    const size_t words_start = fields[1].find_first_not_of(' ');
    const std::vector<std::string> expected =
        split(words_start == std::string::npos ? "" : fields[1].substr(words_start), ',');
    ++cases;
    std::vector<std::string> words;
    try {
      words = lexer.expand_words(input, env);
    } catch (const Error&) {
      words = {"error"};
    }
    EXPECT_EQ(joined(words), joined(expected)) << "wordsTest line " << i + 1 << ": " << input;
  }
  EXPECT_EQ(cases, 24);
}

std::string error_of(const ShellLexer& lexer, std::string_view word, const ShellVariables& vars) {
  try {
    lexer.expand_word(word, vars);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// TestShellParserMandatoryEnvVars.
TEST(ShellWords, MandatoryVariables) {
  const ShellLexer lexer;
  const ShellVariables set = {{"VAR", "plain"}, {"ARG", "x"}};
  const ShellVariables empty = {{"VAR", ""}, {"ARG", "x"}};
  const ShellVariables unset = {{"ARG", "x"}};
  EXPECT_EQ(lexer.expand_word("${VAR:?message here$ARG}", set), "plain");
  EXPECT_NE(error_of(lexer, "${VAR:?message here$ARG}", empty).find("VAR: message herex"), std::string::npos);
  EXPECT_NE(error_of(lexer, "${VAR:?message here$ARG}", unset).find("VAR: message herex"), std::string::npos);
  EXPECT_EQ(lexer.expand_word("${VAR?message here$ARG}", set), "plain");
  EXPECT_EQ(lexer.expand_word("${VAR?message here$ARG}", empty), "");
  EXPECT_NE(error_of(lexer, "${VAR?message here$ARG}", unset).find("VAR: message herex"), std::string::npos);
  EXPECT_NE(error_of(lexer, "${VAR?}", unset).find("VAR: is not allowed to be unset"), std::string::npos);
  EXPECT_NE(error_of(lexer, "${VAR:?}", empty).find("VAR: is not allowed to be empty"), std::string::npos);
}

TEST(ShellWords, ErrorsNameTheWordAndTheProblem) {
  const ShellLexer lexer;
  EXPECT_EQ(error_of(lexer, "he${PWD", {}), "failed to process \"he${PWD\": syntax error: missing '}'");
  EXPECT_EQ(error_of(lexer, "${}", {}), "failed to process \"${}\": syntax error: bad substitution");
  EXPECT_EQ(error_of(lexer, "'abc", {}),
            "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote");
  EXPECT_EQ(error_of(lexer, "\"abc", {}),
            "failed to process \"\\\"abc\": unexpected end of statement while looking for matching double-quote");
  EXPECT_EQ(error_of(lexer, "${X:=y}", {}), "failed to process \"${X:=y}\": unsupported modifier (:=) in substitution");
  EXPECT_EQ(error_of(lexer, "${X:#y}", {}), "failed to process \"${X:#y}\": unsupported modifier (:#) in substitution");
  EXPECT_EQ(error_of(lexer, "${X/a", {}), "failed to process \"${X/a\": syntax error: missing '/' in ${}");
  EXPECT_EQ(error_of(lexer, "${X#\\x}", {{"X", "1"}}),
            "failed to process \"${X#\\\\x}\": invalid pattern (\\x) in substitution: invalid escape '\\x'");
  // The message stays on one line whatever the word holds.
  EXPECT_EQ(error_of(lexer, "a\n'b", {}).find('\n'), std::string::npos);
}

// A `# escape=`` Dockerfile: the backtick escapes and the backslash is an ordinary character.
TEST(ShellWords, BacktickEscape) {
  ShellLexer lexer;
  lexer.escape = '`';
  const ShellVariables env = {{"PWD", "/home"}};
  EXPECT_EQ(lexer.expand_word("C:\\path\\to", env), "C:\\path\\to");
  EXPECT_EQ(lexer.expand_word("he`$PWD", env), "he$PWD");
  EXPECT_EQ(lexer.expand_word("he\\$PWD", env), "he\\/home");
  EXPECT_EQ(lexer.expand_word("a``b", env), "a`b");
  EXPECT_EQ(lexer.expand_word("\"say `\"hi`\" in $PWD\"", env), "say \"hi\" in /home");
  EXPECT_EQ(lexer.expand_word("\"C:\\dir\\\"", env), "C:\\dir\\");
  EXPECT_EQ(lexer.expand_word("trailing`", env), "trailing");
  EXPECT_EQ(lexer.expand_words("a` b c", env), (std::vector<std::string>{"a b", "c"}));
  EXPECT_THROW(lexer.expand_word("\"abc`\"", env), Error);
}

struct MatchCase {
  std::string input;
  ShellVariables env;
  std::string expected;
  std::set<std::string> matched;
  std::set<std::string> unmatched;
};

// TestProcessWithMatches (the cases that expand).
TEST(ShellWords, ReportsWhichVariablesWereUsed) {
  const ShellVariables foo_bar = {{"FOO", "xxx"}, {"BAR", ""}};
  const std::vector<MatchCase> cases = {
      {"x", {{"DUMMY", "dummy"}}, "x", {}, {}},
      {"x ${UNUSED}", {{"DUMMY", "dummy"}}, "x ", {}, {"UNUSED"}},
      {"x ${FOO}", {{"FOO", "y"}}, "x y", {"FOO"}, {}},
      {"${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", foo_bar, "xxx  ccc", {"FOO", "BAR"}, {"BAZ"}},
      {"${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", foo_bar, "xxx bbb ccc", {"FOO", "BAR"}, {"BAZ"}},
      {"${FOO:-}", foo_bar, "xxx", {"FOO"}, {}},
      {"${FOO:-}", {}, "", {}, {"FOO"}},
      {"${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", foo_bar, "aaa bbb ", {"FOO", "BAR"}, {"BAZ"}},
      {"${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", foo_bar, "aaa  ", {"FOO", "BAR"}, {"BAZ"}},
      {"${FOO?aaa}", foo_bar, "xxx", {"FOO"}, {}},
      {"${BAR?bbb}", foo_bar, "", {"BAR"}, {}},
      {"${FOO:?aaa}", foo_bar, "xxx", {"FOO"}, {}},
      {"${FOO#$BAR}", {{"FOO", "xxyy"}, {"BAR", "x"}}, "xyy", {"FOO", "BAR"}, {}},
      {"${ABC:-.}${FOO%x}${ABC:-.}", {{"FOO", "xxyy"}}, ".xxyy.", {"FOO"}, {"ABC"}},
      {"${FOO/$BAR/ww}", {{"FOO", "xxyy"}, {"BAR", ""}}, "wwxxyy", {"FOO", "BAR"}, {}},
      {"${FOO///}", {}, "", {}, {"FOO"}},
  };
  const ShellLexer lexer;
  for (const MatchCase& c : cases) {
    const ShellExpansion result = lexer.expand(c.input, c.env);
    EXPECT_EQ(result.word, c.expected) << c.input;
    EXPECT_EQ(result.matched, c.matched) << c.input;
    EXPECT_EQ(result.unmatched, c.unmatched) << c.input;
  }
}

// The pattern cases of TestProcessWithMatches: # ## % %% / //.
TEST(ShellWords, PatternModifiers) {
  const ShellLexer lexer;
  const auto expand = [&](std::string_view word, std::string foo, ShellVariables more = {}) {
    more.emplace_back("FOO", std::move(foo));
    return lexer.expand_word(word, more);
  };
  EXPECT_EQ(expand("${FOO#()[]{\\}^$.\\*\\?|\\\\}", "()[]{}^$.*?|\\x"), "x");
  EXPECT_EQ(expand("${FOO%%\\**}", "xx**"), "xx");
  EXPECT_EQ(expand("${FOO#*x*y}", "xxyy"), "y");
  EXPECT_EQ(expand("${FOO#*}", "xxyy"), "xxyy");
  EXPECT_EQ(expand("${FOO#$BAR}", "xxyy", {{"BAR", ""}}), "xxyy");
  EXPECT_EQ(expand("${FOO#}", "xxyy"), "xxyy");
  EXPECT_EQ(expand("${FOO##*x}", "xxyy"), "yy");
  EXPECT_EQ(expand("${FOO##}", "xxyy"), "xxyy");
  EXPECT_EQ(expand("${FOO#?\\?}", "???y"), "?y");
  EXPECT_EQ(expand("${FOO%%\\**\\*}", "a***yy*"), "a");
  EXPECT_EQ(expand("${FOO%}", "xxyy"), "xxyy");
  EXPECT_EQ(expand("${FOO%y*}", "a.y.y"), "a.y.");
  EXPECT_EQ(expand("${FOO%%y*}", "a.y.y"), "a.");
  EXPECT_EQ(expand("${FOO%%$BAR}", "xxyy", {{"BAR", ""}}), "xxyy");
  EXPECT_EQ(expand("${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", "/foo*/*/*.txt", {{"NEEDLE", "\\*/"}}),
            "/foo.*/*.txt - /foo..*.txt");
  EXPECT_EQ(expand("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", "/tmp/tmp/bar.txt", {{"NEEDLE", "/tmp"}}),
            "/tmp/bar.txt - /bar.txt");
  EXPECT_EQ(expand("${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", "/a/foo/b/c.txt",
                   {{"NEEDLE", "/?/"}, {"REPLACEMENT", "/"}}),
            "/foo/b/c.txt - /foo/c.txt");
  EXPECT_EQ(expand("${FOO/$NEEDLE/$REPLACEMENT}", "http://google.de",
                   {{"NEEDLE", "http://"}, {"REPLACEMENT", "https://"}}),
            "https://google.de");
  EXPECT_EQ(expand("${FOO//\\//\\/}", "/tmp/foo.txt"), "\\/tmp\\/foo.txt");
  EXPECT_EQ(expand("${FOO///}", "xxyy"), "xxyy");
  EXPECT_EQ(expand("${FOO//한/-}", "한국한"), "-국-");
  // ReplaceAllString reads $ in the replacement as a group reference; a single replacement does not.
  EXPECT_EQ(expand("${FOO//o/$R}", "foo", {{"R", "<$0|$$|$1>"}}), "f<o|$|><o|$|>");
  EXPECT_EQ(expand("${FOO/o/$R}", "foo", {{"R", "<$0>"}}), "f<$0>o");
  for (const char* bad : {"${FOO:#}", "${FOO:##}", "${FOO:%}", "${FOO:%%}", "${FOO//ww}", "${FOO//}", "${FOO=aaa}",
                          "${FOO=:aaa}", "${FOO=}"}) {
    EXPECT_THROW(expand(bad, "xxyy"), Error) << bad;
  }
}

TEST(ShellWords, PlatformSuffixIdiom) {
  const ShellLexer lexer;
  const std::string release =
      "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
  const ShellVariables base = {{"VERSION", "v1.2.3"}, {"TARGETOS", "linux"}};
  ShellVariables arm = base;
  arm.insert(arm.end(), {{"TARGETARCH", "arm"}, {"TARGETVARIANT", "v7"}});
  EXPECT_EQ(lexer.expand_word(release, arm), "something-v1.2.3.linux-arm-v7.tar.gz");
  ShellVariables arm64 = base;
  arm64.insert(arm64.end(), {{"TARGETARCH", "arm64"}, {"TARGETVARIANT", ""}});
  EXPECT_EQ(lexer.expand_word(release, arm64), "something-v1.2.3.linux-arm64.tar.gz");
  arm64.pop_back();
  EXPECT_EQ(lexer.expand_word(release, arm64), "something-v1.2.3.linux-arm64.tar.gz");
}

TEST(ShellWords, SplittingKeepsQuotedTextAndNestedDefaults) {
  const ShellLexer lexer;
  const ShellVariables env = {{"SPACED", " a  b "}};
  EXPECT_EQ(lexer.expand_words("x $SPACED y", env), (std::vector<std::string>{"x", "a", "b", "y"}));
  EXPECT_EQ(lexer.expand_words("x \"$SPACED\" y", env), (std::vector<std::string>{"x", " a  b ", "y"}));
  EXPECT_EQ(lexer.expand_words("'' \"\" z", env), (std::vector<std::string>{"z"}));
  // lex.go at 73ed6825 would drop "hello" here (one buffer shared by the nested ${...}); see shell_words.h.
  EXPECT_EQ(lexer.expand_words("hello${X:-foo}bar ${X:-a b}c", env),
            (std::vector<std::string>{"hellofoobar", "a", "bc"}));
  EXPECT_EQ(lexer.expand_words("cat <<EOF", env), (std::vector<std::string>{"cat", "<<EOF"}));
  EXPECT_EQ(lexer.expand_words("cat << EOF", env), (std::vector<std::string>{"cat", "<< EOF"}));
  EXPECT_EQ(lexer.expand_words("a<b", env), (std::vector<std::string>{"a<b"}));
  EXPECT_EQ(lexer.expand_word("x $SPACED y", env), "x  a  b  y");
}

TEST(ShellWords, LastDefinitionWins) {
  const ShellVariables env = {{"A", "1"}, {"B", "2"}, {"A", "3"}};
  ASSERT_NE(find_shell_variable(env, "A"), nullptr);
  EXPECT_EQ(*find_shell_variable(env, "A"), "3");
  EXPECT_EQ(find_shell_variable(env, "C"), nullptr);
  EXPECT_EQ(ShellLexer{}.expand_word("$A$B", env), "32");
  // Names are case-sensitive on Linux, and may hold non-ASCII letters.
  EXPECT_EQ(ShellLexer{}.expand_word("$a.${KOREAN한}", {{"KOREAN한", "k"}, {"KOREAN", "no"}}), ".k");
}

TEST(ShellWords, RawAndSkipModes) {
  ShellLexer lexer;
  lexer.raw_quotes = true;
  lexer.skip_unset_env = true;
  const ShellVariables env = {{"SET", "v"}};
  EXPECT_EQ(lexer.expand_word("\"$SET\" '$UNSET' ${UNSET} $UNSET ${UNSET:-d} ${UNSET/a/b}", env),
            "\"v\" '$UNSET' ${UNSET} $UNSET ${UNSET:-d} ${UNSET/a/b}");
  ShellLexer raw;
  raw.raw_escapes = true;
  EXPECT_EQ(raw.expand_word("a\\$SET \"\\$SET\"", env), "a\\$SET \\$SET");
  ShellLexer heredoc;
  heredoc.skip_process_quotes = true;
  EXPECT_EQ(heredoc.expand_word("echo '$SET' \"$SET\"", env), "echo 'v' \"v\"");
}

}  // namespace
}  // namespace ocipush
