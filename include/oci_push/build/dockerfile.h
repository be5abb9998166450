// The Dockerfile parsed into instructions, the way BuildKit's frontend/dockerfile/parser reads it: parser
// directives, escape character, continuation lines, exec/shell forms, flags and here-documents. Nothing is
// expanded or checked against what an instruction means yet; that is the build engine's work.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ocipush {

// A here-document (`<<EOF` ... `EOF`) named by a COPY, ADD or RUN instruction.
struct Heredoc {
  std::string name;              // the terminating word, quotes removed: "EOF" for <<"EOF"
  std::string content;           // the lines up to the terminator, each with its newline; tabs already chomped (<<-)
  bool expand = true;            // false when any part of the word was quoted: the content is taken literally
  bool chomp = false;            // <<-EOF: leading tabs are removed from the content and the terminator line
  unsigned file_descriptor = 0;  // 3<<EOF; 0 when none was written
};

struct DockerfileInstruction {
  std::string keyword;             // lower case: "from", "copy", "env", ...
  std::vector<std::string> flags;  // "--from=build" with quotes and escapes resolved, in order
  // As BuildKit's Node lists them: shell form is one string (RUN, CMD, ...) or the words (COPY, FROM, ...);
  // ENV and LABEL give key, value, separator ("=" or "" for `ENV key value`) per pair, quotes kept.
  std::vector<std::string> args;
  bool json_form = false;  // exec form: CMD ["a", "b"]
  // Content filled in by parse_dockerfile; for ONBUILD they sit here, on the ONBUILD instruction, as in BuildKit.
  std::vector<Heredoc> heredocs;
  std::vector<DockerfileInstruction> onbuild;  // ONBUILD's own instruction: one element, or none when bare
  size_t line = 0;                             // 1-based line the instruction starts on
  size_t end_line = 0;                         // last line it takes, here-document bodies included
  std::string original;                        // the text, continuation lines joined and comments dropped
};

struct Dockerfile {
  std::vector<std::pair<std::string, std::string>> directives;  // ("syntax", "docker/dockerfile:1"), in order
  char escape = '\\';
  std::vector<DockerfileInstruction> instructions;
  std::vector<std::string> warnings;  // e.g. empty continuation lines, which BuildKit only warns about
};

// Throws Error, one line "FILE:LINE: what is wrong", for every refusal; file_name is what the user passed.
Dockerfile parse_dockerfile(std::string_view text, const std::string& file_name);

// One logical line (continuations joined) into an instruction, without line numbers or here-document content.
// Throws Error without a location.
DockerfileInstruction parse_instruction(std::string_view line, char escape);

// The here-documents that a logical line names (`<<EOF`, `<<-'EOF'`, `3<<EOF`), content still empty.
// Throws Error when a here-document word cannot be lexed.
std::vector<Heredoc> heredocs_in_line(std::string_view line);

// BuildKit's Node.Dump() of one instruction, as a line of the parser's `result` test files shows it:
// (copy ["--from=x"] "a" "b")
std::string dump_instruction(const DockerfileInstruction& instruction);

// Shared by the parser's source files: white space as Go's unicode.IsSpace sees it, on UTF-8 text.
namespace dockerfile_detail {
size_t space_length_at(std::string_view text, size_t pos);  // 0 when text[pos] starts no white space
std::string_view trim_left_space(std::string_view text);
std::string_view trim_space(std::string_view text);
}  // namespace dockerfile_detail

}  // namespace ocipush
