// Reading a Dockerfile line by line as BuildKit's parser.Parse does: parser directives at the top, comments
// and blank lines skipped, continuation lines joined, here-document bodies taken after the line that names
// them. Each logical line becomes an instruction through parse_instruction.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

#include "oci_push/build/dockerfile.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using dockerfile_detail::trim_left_space;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The text's lines, each with its line ending; number() is the 1-based number of the last line taken.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const size_t newline = text_.find('\n', pos_);
    const size_t end = newline == std::string_view::npos ? text_.size() : newline + 1;
    line = text_.substr(pos_, end - pos_);
    pos_ = end;
    ++number_;
    return true;
  }
  size_t number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t number_ = 0;
};

std::string_view trim_newline(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

bool is_comment(std::string_view line) {
  const std::string_view text = trim_left_space(line);
  return !text.empty() && text.front() == '#';
}

bool is_directive_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r'; }

std::string_view trim_directive_space(std::string_view text) {
  while (!text.empty() && is_directive_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_directive_space(text.back())) text.remove_suffix(1);
  return text;
}

// `name = value` after the `#` (BuildKit's ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$); false when it is not one.
bool split_directive(std::string_view text, std::string& name, std::string& value) {
  const auto is_alpha = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); };
  size_t pos = 0;
  while (pos < text.size() && (is_alpha(text[pos]) || (pos > 0 && text[pos] >= '0' && text[pos] <= '9'))) ++pos;
  if (pos == 0) return false;
  name = std::string(text.substr(0, pos));
  for (char& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  while (pos < text.size() && is_directive_space(text[pos])) ++pos;
  if (pos == text.size() || text[pos] != '=') return false;
  const std::string_view after_equals = text.substr(pos + 1);
  const std::string_view trimmed = trim_directive_space(after_equals);
  // A value of blanks only still matches the regular expression, as its last blank.
  value =
      std::string(trimmed.empty() ? after_equals.substr(after_equals.empty() ? 0 : after_equals.size() - 1) : trimmed);
  return !value.empty();
}

// Parser directives: `# name=value` lines before any instruction, blank line or other comment.
class DirectiveReader {
 public:
  // Throws Error without a location for a repeated directive or a bad escape character.
  void read(std::string_view line, Dockerfile& dockerfile) {
    if (done_) return;
    std::string name, value;
    if (line.empty() || line.front() != '#' || !split_directive(trim_left_space(line.substr(1)), name, value) ||
        (name != "syntax" && name != "escape" && name != "check")) {
      done_ = true;
      return;
    }
    for (const auto& [seen, ignored] : dockerfile.directives) {
      if (seen == name) throw Error("only one " + name + " parser directive can be used");
    }
    if (name == "escape") {
      if (value != "`" && value != "\\") throw Error("invalid escape token '" + value + "' does not match ` or \\");
      dockerfile.escape = value.front();
    }
    dockerfile.directives.emplace_back(std::move(name), std::move(value));
  }

 private:
  bool done_ = false;
};

// The line without a continuation escape at its end (blanks after it allowed), and whether it ends there.
std::pair<std::string_view, bool> trim_continuation(std::string_view line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return {line, true};
  if (end >= 2 && line[end - 2] == escape) return {line, true};  // an escaped escape (a known BuildKit limit)
  return {line.substr(0, end - 1), false};
}

bool can_contain_heredoc(const DockerfileInstruction& instruction) {
  const DockerfileInstruction& target =
      instruction.keyword == "onbuild" && !instruction.onbuild.empty() ? instruction.onbuild.front() : instruction;
  const std::string& keyword = target.keyword;
  return (keyword == "add" || keyword == "copy" || keyword == "run") && !target.json_form;
}

std::string chomp_leading_tabs(std::string_view content) {
  std::string out;
  bool line_start = true;
  for (char ch : content) {
    if (line_start && ch == '\t') continue;
    line_start = ch == '\n';
    out += ch;
  }
  return out;
}

class DockerfileParser {
 public:
  DockerfileParser(std::string_view text, const std::string& file_name) : lines_(text), file_name_(file_name) {}

  Dockerfile parse() {
    std::string_view raw;
    while (lines_.next(raw)) {
      if (lines_.number() == 1 && raw.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
        raw.remove_prefix(kByteOrderMark.size());
      }
      const size_t start = lines_.number();
      const auto [text, ended] = trim_continuation(process_line(raw, true), result_.escape);
      if (ended && text.empty()) continue;
      const std::string line = join_continuation(std::string(text), ended);
      DockerfileInstruction instruction;
      try {
        instruction = parse_instruction(line, result_.escape);
      } catch (const Error& error) {
        fail(start, error.what());
      }
      if (can_contain_heredoc(instruction) && line.find("<<") != std::string::npos) {
        read_heredocs(instruction, line, start);
      }
      set_lines(instruction, start, lines_.number());
      result_.instructions.push_back(std::move(instruction));
    }
    if (result_.instructions.empty()) fail(lines_.number() == 0 ? 1 : lines_.number(), "file with no instructions");
    return std::move(result_);
  }

 private:
  [[noreturn]] void fail(size_t line, std::string_view what) const {
    throw Error(fmt::format("{}:{}: {}", file_name_, line, what));
  }

  // The line without its line ending (and leading blanks, for a first line), empty when it is a comment.
  std::string_view process_line(std::string_view raw, bool strip_left) {
    std::string_view line = trim_newline(raw);
    if (strip_left) line = trim_left_space(line);
    try {
      directives_.read(line, result_);
    } catch (const Error& error) {
      fail(lines_.number(), error.what());
    }
    return is_comment(line) ? std::string_view() : line;
  }

  // Comment lines and blank lines inside a continued instruction are dropped.
  std::string join_continuation(std::string line, bool ended) {
    bool had_empty_line = false;
    std::string_view raw;
    while (!ended && lines_.next(raw)) {
      const std::string_view processed = process_line(raw, false);
      if (is_comment(raw)) continue;
      if (trim_left_space(processed).empty()) {
        had_empty_line = true;
        continue;
      }
      const auto [part, part_ended] = trim_continuation(processed, result_.escape);
      line += part;
      ended = part_ended;
    }
    if (had_empty_line) result_.warnings.push_back("Empty continuation line found in: " + line);
    return line;
  }

  void read_heredocs(DockerfileInstruction& instruction, const std::string& line, size_t start) {
    try {
      instruction.heredocs = heredocs_in_line(line);
    } catch (const Error& error) {
      fail(start, error.what());
    }
    for (Heredoc& heredoc : instruction.heredocs) {
      bool terminated = false;
      std::string_view raw;
      while (!terminated && lines_.next(raw)) {
        std::string_view candidate = trim_newline(raw);
        while (heredoc.chomp && !candidate.empty() && candidate.front() == '\t') candidate.remove_prefix(1);
        terminated = candidate == heredoc.name;
        if (!terminated) heredoc.content += raw;
      }
      if (!terminated) fail(start, "unterminated heredoc");
      if (heredoc.chomp) heredoc.content = chomp_leading_tabs(heredoc.content);
    }
  }

  static void set_lines(DockerfileInstruction& instruction, size_t start, size_t end) {
    instruction.line = start;
    instruction.end_line = end;
    for (DockerfileInstruction& inner : instruction.onbuild) set_lines(inner, start, end);
  }

  LineReader lines_;
  const std::string& file_name_;
  DirectiveReader directives_;
  Dockerfile result_;
};

}  // namespace

Dockerfile parse_dockerfile(std::string_view text, const std::string& file_name) {
  return DockerfileParser(text, file_name).parse();
}

}  // namespace ocipush
