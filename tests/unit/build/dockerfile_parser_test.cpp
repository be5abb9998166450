// The Dockerfile parser against BuildKit's own parser test data (testdata/dockerfile/parser, copied from
// moby/buildkit), plus what the build engine relies on: line numbers, original text, here-documents, errors.
#include "oci_push/build/dockerfile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;

fs::path parser_data_dir() { return fs::path(OCI_PUSH_TESTDATA_DIR) / "dockerfile" / "parser"; }

// The case directories under parser/<suite>, sorted; empty when the directory is missing.
std::vector<std::string> case_names(const std::string& suite) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(parser_data_dir() / suite, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory()) names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// gtest parameter names may hold only letters, digits and underscores.
std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

TEST(DockerfileParserData, HoldsEveryBuildKitCase) {
  EXPECT_GE(case_names("testfiles").size(), 33u) << parser_data_dir();
  EXPECT_GE(case_names("testfiles-negative").size(), 4u) << parser_data_dir();
}

class BuildKitParserCase : public testing::TestWithParam<std::string> {};

TEST_P(BuildKitParserCase, DumpsAsBuildKitResult) {
  const fs::path dir = parser_data_dir() / "testfiles" / GetParam();
  const Dockerfile dockerfile = parse_dockerfile(read_file(dir / "Dockerfile"), "Dockerfile");
  const std::vector<std::string> expected = split_lines(read_file(dir / "result"));
  ASSERT_EQ(dockerfile.instructions.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(dump_instruction(dockerfile.instructions[i]), expected[i]) << "instruction " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(BuildKit, BuildKitParserCase, testing::ValuesIn(case_names("testfiles")), test_name);

class BuildKitParserNegativeCase : public testing::TestWithParam<std::string> {};

TEST_P(BuildKitParserNegativeCase, IsRefused) {
  const std::string text = read_file(parser_data_dir() / "testfiles-negative" / GetParam() / "Dockerfile");
  EXPECT_THROW(parse_dockerfile(text, "Dockerfile"), Error);
}

INSTANTIATE_TEST_SUITE_P(BuildKit, BuildKitParserNegativeCase, testing::ValuesIn(case_names("testfiles-negative")),
                         test_name);

std::string refusal(const std::string& text, const std::string& file_name = "ctx/Dockerfile") {
  try {
    parse_dockerfile(text, file_name);
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

TEST(DockerfileParser, ContinuedInstructionKeepsItsLinesAndText) {
  const Dockerfile dockerfile =
      parse_dockerfile("FROM alpine\n\nRUN echo \\\n  # a comment\n  hi \\\n\n  there\nCMD [\"sh\"]\n", "Dockerfile");
  ASSERT_EQ(dockerfile.instructions.size(), 3u);
  const DockerfileInstruction& run = dockerfile.instructions[1];
  EXPECT_EQ(run.keyword, "run");
  EXPECT_EQ(run.line, 3u);
  EXPECT_EQ(run.end_line, 7u);
  EXPECT_EQ(run.original, "RUN echo   hi   there");
  EXPECT_EQ(run.args, std::vector<std::string>{"echo   hi   there"});
  EXPECT_FALSE(run.json_form);
  EXPECT_EQ(dockerfile.instructions[2].line, 8u);
  EXPECT_TRUE(dockerfile.instructions[2].json_form);
  ASSERT_EQ(dockerfile.warnings.size(), 1u);  // the blank line inside the continuation
}

TEST(DockerfileParser, CopyHeredocTakesTheLinesUpToItsTerminator) {
  const Dockerfile dockerfile = parse_dockerfile("FROM a\nCOPY <<EOF /x\nhello $NAME\n  world\nEOF\nRUN true\n", "D");
  ASSERT_EQ(dockerfile.instructions.size(), 3u);
  const DockerfileInstruction& copy = dockerfile.instructions[1];
  EXPECT_EQ(copy.args, (std::vector<std::string>{"<<EOF", "/x"}));
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_EQ(copy.heredocs[0].name, "EOF");
  EXPECT_EQ(copy.heredocs[0].content, "hello $NAME\n  world\n");
  EXPECT_TRUE(copy.heredocs[0].expand);
  EXPECT_FALSE(copy.heredocs[0].chomp);
  EXPECT_EQ(copy.line, 2u);
  EXPECT_EQ(copy.end_line, 5u);
  EXPECT_EQ(dockerfile.instructions[2].line, 6u);
}

TEST(DockerfileParser, DashHeredocChompsLeadingTabs) {
  const Dockerfile dockerfile = parse_dockerfile("FROM a\nRUN <<-EOF\n\techo a\n\t\t echo b\n\tEOF\n", "D");
  ASSERT_EQ(dockerfile.instructions.size(), 2u);
  ASSERT_EQ(dockerfile.instructions[1].heredocs.size(), 1u);
  const Heredoc& heredoc = dockerfile.instructions[1].heredocs[0];
  EXPECT_TRUE(heredoc.chomp);
  EXPECT_EQ(heredoc.content, "echo a\n echo b\n");
}

TEST(DockerfileParser, QuotedHeredocIsNotExpandedAndSeveralAreReadInOrder) {
  const Dockerfile dockerfile =
      parse_dockerfile("FROM a\nCOPY <<\"A\" 3<<'B' <<C /dest\nY\nA\nX\nB\nC\nCOPY [\"<<D\", \"/\"]\n", "D");
  ASSERT_EQ(dockerfile.instructions.size(), 3u);
  const std::vector<Heredoc>& heredocs = dockerfile.instructions[1].heredocs;
  ASSERT_EQ(heredocs.size(), 3u);
  EXPECT_EQ(heredocs[0].name, "A");
  EXPECT_FALSE(heredocs[0].expand);
  EXPECT_EQ(heredocs[0].content, "Y\n");
  EXPECT_EQ(heredocs[1].name, "B");
  EXPECT_EQ(heredocs[1].file_descriptor, 3u);
  EXPECT_EQ(heredocs[1].content, "X\n");
  EXPECT_EQ(heredocs[2].content, "");
  EXPECT_TRUE(heredocs[2].expand);
  EXPECT_TRUE(dockerfile.instructions[2].heredocs.empty());  // exec form takes no here-document
}

TEST(DockerfileParser, HeredocWordsFollowBuildKit) {
  const auto name_of = [](const std::string& line) {
    const std::vector<Heredoc> heredocs = heredocs_in_line(line);
    return heredocs.size() == 1 ? heredocs[0].name + (heredocs[0].expand ? "" : " (literal)") : "none";
  };
  EXPECT_EQ(name_of("RUN <<eo'f'"), "eof (literal)");
  EXPECT_EQ(name_of("RUN <<eo\\'f"), "eo'f");
  EXPECT_EQ(name_of("RUN <<'e'o\\'f"), "eo'f (literal)");
  EXPECT_EQ(name_of("RUN <<'one two'"), "one two (literal)");
  EXPECT_EQ(name_of("RUN <<$EOF"), "$EOF");
  EXPECT_EQ(name_of("RUN <<  EOF  > foo"), "EOF");
  EXPECT_EQ(name_of("RUN \"<<NOHEREDOC\""), "none");
  EXPECT_EQ(name_of("RUN <<EOF python3"), "EOF");
}

TEST(DockerfileParser, OnbuildHoldsItsInstruction) {
  const Dockerfile dockerfile = parse_dockerfile("FROM a\nonbuild copy --from=b <<EOF /x\nhi\nEOF\n", "D");
  ASSERT_EQ(dockerfile.instructions.size(), 2u);
  const DockerfileInstruction& onbuild = dockerfile.instructions[1];
  ASSERT_EQ(onbuild.onbuild.size(), 1u);
  EXPECT_EQ(onbuild.onbuild[0].keyword, "copy");
  EXPECT_EQ(onbuild.onbuild[0].flags, std::vector<std::string>{"--from=b"});
  ASSERT_EQ(onbuild.heredocs.size(), 1u);
  EXPECT_EQ(onbuild.heredocs[0].content, "hi\n");
  EXPECT_EQ(dump_instruction(onbuild), "(onbuild (copy [\"--from=b\"] \"<<EOF\" \"/x\"))");
}

TEST(DockerfileParser, DirectivesOnlyAtTheTop) {
  const Dockerfile dockerfile = parse_dockerfile(
      "\xEF\xBB\xBF# Syntax = docker/dockerfile:1 \r\n#escape=`\r\nFROM a\r\n# check=skip=all\r\nRUN echo `\r\n b\r\n",
      "D");
  ASSERT_EQ(dockerfile.directives.size(), 2u);
  EXPECT_EQ(dockerfile.directives[0], (std::pair<std::string, std::string>{"syntax", "docker/dockerfile:1"}));
  EXPECT_EQ(dockerfile.directives[1], (std::pair<std::string, std::string>{"escape", "`"}));
  EXPECT_EQ(dockerfile.escape, '`');
  ASSERT_EQ(dockerfile.instructions.size(), 2u);
  EXPECT_EQ(dockerfile.instructions[1].args, std::vector<std::string>{"echo  b"});

  const Dockerfile late = parse_dockerfile("# a comment\n# escape=`\nFROM a\n", "D");
  EXPECT_TRUE(late.directives.empty());
  EXPECT_EQ(late.escape, '\\');
}

TEST(DockerfileParser, RefusalsNameFileAndLine) {
  EXPECT_EQ(refusal("FROM a\n\nENV PATH\n"), "ctx/Dockerfile:3: ENV must have two arguments");
  EXPECT_EQ(refusal("FROM a\nRUN x\nCMD [\"a\", 1]\n"),
            "ctx/Dockerfile:3: when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_EQ(refusal("FROM a\nLABEL a=b c\n"),
            "ctx/Dockerfile:2: Syntax error - can't find = in \"c\". Must be of the form: name=value");
  EXPECT_EQ(refusal("FROM a\nCOPY <<EOF /x\nno end\n"), "ctx/Dockerfile:2: unterminated heredoc");
  EXPECT_EQ(refusal("# escape=x\nFROM a\n"), "ctx/Dockerfile:1: invalid escape token 'x' does not match ` or \\");
  EXPECT_EQ(refusal("# syntax=a\n# syntax=b\nFROM a\n"),
            "ctx/Dockerfile:2: only one syntax parser directive can be used");
  EXPECT_EQ(refusal("# only a comment\n\n"), "ctx/Dockerfile:2: file with no instructions");
  EXPECT_EQ(refusal(""), "ctx/Dockerfile:1: file with no instructions");
}

TEST(DockerfileParser, RunAndUnknownInstructionsParse) {
  const Dockerfile dockerfile =
      parse_dockerfile("FROM a AS b\nRUN --mount=type=cache,target=/c \"--network=none\" make\nBOGUS x\n", "D");
  ASSERT_EQ(dockerfile.instructions.size(), 3u);
  EXPECT_EQ(dockerfile.instructions[0].args, (std::vector<std::string>{"a", "AS", "b"}));
  EXPECT_EQ(dump_instruction(dockerfile.instructions[1]),
            "(run [\"--mount=type=cache,target=/c\"] \"\\\"--network=none\\\" make\")");
  EXPECT_EQ(dump_instruction(dockerfile.instructions[2]), "(bogus \"\")");
}

// BuildKit's TestParseIncludesLineNumbers, on its testfile-line/Dockerfile.
TEST(DockerfileParser, LineNumbersMatchBuildKit) {
  const Dockerfile dockerfile = parse_dockerfile(
      "# ESCAPE=\\\n\n\n\nFROM brimstone/ubuntu:14.04\n\n\n# TORUN -v /var/run/docker.sock:/var/run/docker.sock\n\n\n"
      "ENV GOPATH \\\n/go\n\n\n\n# Install the packages we need, clean up after them and us\n"
      "RUN apt-get update \\\n\t&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.clean \\\n\n\n"
      "    && apt-get --no-install-recommends install -y git golang ca-certificates \\\n"
      "    && apt-get clean \\\n    && rm -rf /var/lib/apt/lists \\\n\n"
      "\t&& go get -v github.com/brimstone/consuldock \\\n"
      "    && mv $GOPATH/bin/consuldock /usr/local/bin/consuldock \\\n\n"
      "\t&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.dirty \\\n"
      "\t&& apt-get remove --purge -y $(diff /tmp/dpkg.clean /tmp/dpkg.dirty | awk '/^>/ {print $2}') \\\n"
      "\t&& rm /tmp/dpkg.* \\\n\t&& rm -rf $GOPATH\n\n\n\n\n",
      "Dockerfile");
  ASSERT_EQ(dockerfile.directives.size(), 1u);  // "ESCAPE" is the escape directive, in any case
  std::vector<std::pair<size_t, size_t>> lines;
  for (const DockerfileInstruction& instruction : dockerfile.instructions) {
    lines.emplace_back(instruction.line, instruction.end_line);
  }
  EXPECT_EQ(lines, (std::vector<std::pair<size_t, size_t>>{{5, 5}, {11, 12}, {17, 31}}));
}

// BuildKit's TestParseWarnsOnEmptyContinutationLine.
TEST(DockerfileParser, WarnsOnEmptyContinuationLines) {
  const Dockerfile dockerfile = parse_dockerfile(
      "\nFROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\n"
      "RUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n\n"
      "RUN indented \\\n    # this is an indented comment\n    comment\n\t",
      "D");
  ASSERT_EQ(dockerfile.warnings.size(), 2u);
  EXPECT_EQ(dockerfile.warnings[0], "Empty continuation line found in: RUN something     following     more");
  EXPECT_EQ(dockerfile.warnings[1], "Empty continuation line found in: RUN another     thing");
  EXPECT_EQ(dockerfile.instructions.back().args, std::vector<std::string>{"indented     comment"});
}

// BuildKit's TestParseExtractsHeredoc; content is given chomped here, where BuildKit chomps later.
TEST(DockerfileParser, ExtractsHeredocsAsBuildKit) {
  const Dockerfile dockerfile = parse_dockerfile(
      "\nFROM alpine:3.6\n\nENV NAME=me\n\nRUN ls\n\nUSER <<INVALID\nINVALID\n\nRUN <<EMPTY\nEMPTY\n\n"
      "RUN 3<<EMPTY2\nEMPTY2\n\nRUN \"<<NOHEREDOC\"\n\nRUN <<INDENT\n\tfoo\n\tbar\nINDENT\n\n"
      "RUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n\nRUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n\n"
      "RUN <<-EXPAND\n\texpand $NAME\nEXPAND\n\nRUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n\n"
      "RUN <<COPY\necho hello world\necho foo bar\nCOPY\n\n"
      "RUN <<COMMENT\n# internal comment\necho hello world\necho foo bar # trailing comment\nCOMMENT\n\n"
      "RUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n\n"
      "COPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n\n"
      "COPY <<EOF /quotes\n\"foo\"\n'bar'\nEOF\n\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n\n"
      "RUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\n\nCOPY <<file.txt /dest\nhello world\nfile.txt\n\n"
      "RUN <<eo'f'\necho foo\neof\n\nRUN <<eo\\'f\necho foo\neo'f\n\nRUN <<'e'o\\'f\necho foo\neo'f\n\n"
      "RUN <<'one two'\necho bar\none two\n\nRUN <<$EOF\n$EOF\n\nRUN <<  EOF\nEOF\n\nRUN <<  EOF  > foo\nEOF\n\t",
      "D");
  using Docs = std::vector<std::string>;  // "name|content|expand|chomp|fd" per here-document
  const std::vector<Docs> expected = {
      {},
      {},
      {},
      {},
      {},
      {"EMPTY||1|0|0"},
      {"EMPTY2||1|0|3"},
      {},
      {"INDENT|\tfoo\n\tbar\n|1|0|0"},
      {"UNINDENT|baz\nquux\n|1|1|0"},
      {"UNINDENT2|baz\nquux\n|1|1|0"},
      {"EXPAND|expand $NAME\n|1|1|0"},
      {"NOEXPAND|don't expand $NAME\n|0|1|0"},
      {"COPY|echo hello world\necho foo bar\n|1|0|0"},
      {"COMMENT|# internal comment\necho hello world\necho foo bar # trailing comment\n|1|0|0"},
      {"MOUNT|echo hello\n|1|0|0"},
      {"FILE1|content 1\n|1|0|0", "FILE2|content 2\n|1|0|0"},
      {"EOF|\"foo\"\n'bar'\n|1|0|0"},
      {"X|Y\n|1|0|0", "Y|X\n|1|0|0"},
      {"COMPLEX|print('hello world')\n|1|0|0"},
      {"file.txt|hello world\n|1|0|0"},
      {"eof|echo foo\n|0|0|0"},
      {"eo'f|echo foo\n|1|0|0"},
      {"eo'f|echo foo\n|0|0|0"},
      {"one two|echo bar\n|0|0|0"},
      {"$EOF||1|0|0"},
      {"EOF||1|0|0"},
      {"EOF||1|0|0"},
  };
  ASSERT_EQ(dockerfile.instructions.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    Docs docs;
    for (const Heredoc& doc : dockerfile.instructions[i].heredocs) {
      docs.push_back(doc.name + "|" + doc.content + "|" + std::to_string(doc.expand) + "|" + std::to_string(doc.chomp) +
                     "|" + std::to_string(doc.file_descriptor));
    }
    EXPECT_EQ(docs, expected[i]) << dockerfile.instructions[i].original;
  }
}

// BuildKit's TestHeredocsFromLine and TestParseJSONHeredoc.
TEST(DockerfileParser, HeredocsFromLineAsBuildKit) {
  const auto names = [](const std::string& line) {
    std::vector<std::string> out;
    for (const Heredoc& heredoc : heredocs_in_line(line)) out.push_back(heredoc.name);
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names("RUN <<EOF"), Names{"EOF"});
  EXPECT_EQ(names("RUN <<-EOF"), Names{"EOF"});
  EXPECT_EQ(names("RUN <<- EOF"), Names{});  // "<<-" alone is no here-document; BuildKit's test loops over none
  EXPECT_EQ(names("RUN << -EOF"), Names{"-EOF"});
  EXPECT_EQ(names("RUN <<'EOF'"), Names{"EOF"});
  EXPECT_EQ(names("RUN 4<<EOF"), Names{"EOF"});
  EXPECT_EQ(names("RUN <<EOF <<EOF2"), (Names{"EOF", "EOF2"}));
  EXPECT_EQ(names("RUN '<<EOF'"), Names{});
  EXPECT_EQ(names("RUN \"<<EOF\""), Names{});
  EXPECT_EQ(names("RUN <<EO\"F\""), Names{"EOF"});
  EXPECT_EQ(names("RUN <<'EOF"), Names{});  // a line that does not lex names none
  const Dockerfile json = parse_dockerfile("FROM a\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n", "D");
  for (const DockerfileInstruction& instruction : json.instructions) EXPECT_TRUE(instruction.heredocs.empty());
}

TEST(DockerfileParser, DumpQuotesAsGoDoes) {
  DockerfileInstruction instruction;
  instruction.keyword = "label";
  instruction.args = {"\x01\x7f", "caf\xC3\xA9", "\xFF", "\xC2\xA0", "tab\there"};
  EXPECT_EQ(dump_instruction(instruction), "(label \"\\x01\\x7f\" \"café\" \"\\xff\" \"\\u00a0\" \"tab\\there\")");
}

}  // namespace
}  // namespace ocipush
