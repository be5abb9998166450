// One logical Dockerfile line into an instruction: keyword, leading --flags, then the arguments in the form
// the keyword takes (BuildKit's split_command.go and line_parsers.go).
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/build/dockerfile.h"
#include "oci_push/util/ascii.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace dockerfile_detail {

size_t space_length_at(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u; };
  const unsigned first = byte(pos);
  if (first == ' ' || (first >= '\t' && first <= '\r')) return 1;
  if (first == 0xC2 && (byte(pos + 1) == 0x85 || byte(pos + 1) == 0xA0)) return 2;  // U+0085, U+00A0
  if (first == 0xE1 && byte(pos + 1) == 0x9A && byte(pos + 2) == 0x80) return 3;    // U+1680
  if (first == 0xE2 && byte(pos + 1) == 0x80) {
    const unsigned third = byte(pos + 2);
    if (third <= 0x8A && third >= 0x80) return 3;                   // U+2000..U+200A
    if (third == 0xA8 || third == 0xA9 || third == 0xAF) return 3;  // U+2028, U+2029, U+202F
  }
  if (first == 0xE2 && byte(pos + 1) == 0x81 && byte(pos + 2) == 0x9F) return 3;  // U+205F
  if (first == 0xE3 && byte(pos + 1) == 0x80 && byte(pos + 2) == 0x80) return 3;  // U+3000
  return 0;
}

std::string_view trim_left_space(std::string_view text) {
  size_t pos = 0;
  for (size_t n = space_length_at(text, pos); n != 0; n = space_length_at(text, pos)) pos += n;
  return text.substr(pos);
}

std::string_view trim_space(std::string_view text) {
  text = trim_left_space(text);
  // Every white space character is at most 3 bytes, so trying those suffix lengths finds the last one.
  for (bool trimmed = true; trimmed && !text.empty();) {
    trimmed = false;
    for (size_t n = 1; n <= 3 && n <= text.size(); ++n) {
      if (space_length_at(text, text.size() - n) == n) {
        text.remove_suffix(n);
        trimmed = true;
        break;
      }
    }
  }
  return text;
}

}  // namespace dockerfile_detail

namespace {

using dockerfile_detail::space_length_at;
using dockerfile_detail::trim_left_space;
using dockerfile_detail::trim_space;

constexpr std::string_view kSplitSpace = " \t\v\f\r";  // BuildKit's reWhitespace, [\t\v\f\r ]+
constexpr const char* kNotStringArray = "when using JSON array syntax, arrays must be comprised of strings only";

bool is_split_space(char ch) { return kSplitSpace.find(ch) != std::string_view::npos; }

// Where BuildKit tests single bytes with unicode.IsSpace; bytes of multi-byte characters are left alone here.
bool is_ascii_space(char ch) { return is_split_space(ch) || ch == '\n'; }

// How an instruction's arguments are read, by keyword (BuildKit's dispatch table).
enum class ArgumentForm { kMaybeJsonList, kWordList, kMaybeJson, kKeyValues, kWords, kHealthcheck, kString, kOnbuild };

const std::map<std::string, ArgumentForm, std::less<>>& argument_forms() {
  static const std::map<std::string, ArgumentForm, std::less<>> forms = {
      {"add", ArgumentForm::kMaybeJsonList},
      {"arg", ArgumentForm::kWordList},
      {"cmd", ArgumentForm::kMaybeJson},
      {"copy", ArgumentForm::kMaybeJsonList},
      {"entrypoint", ArgumentForm::kMaybeJson},
      {"env", ArgumentForm::kKeyValues},
      {"expose", ArgumentForm::kWords},
      {"from", ArgumentForm::kWords},
      {"healthcheck", ArgumentForm::kHealthcheck},
      {"label", ArgumentForm::kKeyValues},
      {"maintainer", ArgumentForm::kString},
      {"onbuild", ArgumentForm::kOnbuild},
      {"run", ArgumentForm::kMaybeJson},
      {"shell", ArgumentForm::kMaybeJson},
      {"stopsignal", ArgumentForm::kString},
      {"user", ArgumentForm::kString},
      {"volume", ArgumentForm::kMaybeJsonList},
      {"workdir", ArgumentForm::kString},
  };
  return forms;
}

// One --flag word from pos, quotes removed and escapes resolved; returns where it ended (a space or the end).
size_t read_flag_word(std::string_view line, size_t pos, char escape, std::string& word, bool& quoted) {
  char quote = 0;
  for (; pos < line.size(); ++pos) {
    char ch = line[pos];
    if (quote == 0) {
      if (is_ascii_space(ch)) return pos;
      if (ch == '\'' || ch == '"') {
        quote = ch;
        quoted = true;
        continue;
      }
    } else if (ch == quote) {
      quote = 0;
      continue;
    }
    if (ch == escape) {
      if (pos + 1 == line.size()) continue;  // an escape at the very end is dropped
      ch = line[++pos];
    }
    word += ch;
  }
  return pos;
}

struct FlagsAndRest {
  std::vector<std::string> flags;
  std::string_view rest;
};

// Leading words that start with "--" are the instruction's flags; a bare "--" ends them and is dropped.
FlagsAndRest extract_flags(std::string_view line, char escape) {
  FlagsAndRest out;
  size_t pos = 0;
  while (true) {
    while (pos < line.size() && is_ascii_space(line[pos])) ++pos;
    if (pos == line.size()) return out;
    if (line.compare(pos, 2, "--") != 0) {
      out.rest = line.substr(pos);
      return out;
    }
    std::string word;
    bool quoted = false;
    pos = read_flag_word(line, pos, escape, word, quoted);
    if (word == "--") {
      out.rest = line.substr(pos);
      return out;
    }
    if (quoted || !word.empty()) out.flags.push_back(std::move(word));
  }
}

// Space-separated words with their quotes and escapes kept; expansion happens later, in the build engine.
std::vector<std::string> parse_words(std::string_view rest, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, quoted = false;
  char quote = 0;
  for (size_t pos = 0; pos < rest.size(); ++pos) {
    const size_t space = quote == 0 ? space_length_at(rest, pos) : 0;
    if (space != 0) {
      if (in_word && (quoted || !word.empty())) words.push_back(word);
      word.clear();
      in_word = quoted = false;
      pos += space - 1;
      continue;
    }
    in_word = true;
    const char ch = rest[pos];
    if (quote == 0 && (ch == '\'' || ch == '"')) {
      quote = ch;
      quoted = true;
    } else if (quote != 0 && ch == quote) {
      quote = 0;
    } else if (ch == escape && quote != '\'') {
      if (pos + 1 == rest.size()) break;  // an escape at the very end is dropped
      word += ch;
      ++pos;
    }
    word += rest[pos];
  }
  if (in_word && (quoted || !word.empty())) words.push_back(word);
  return words;
}

std::vector<std::string> split_on_spaces(std::string_view rest, size_t max_parts) {
  std::vector<std::string> parts;
  while (!rest.empty()) {
    const size_t cut = parts.size() + 1 == max_parts ? std::string_view::npos : rest.find_first_of(kSplitSpace);
    parts.emplace_back(rest.substr(0, cut));
    if (cut == std::string_view::npos) break;
    const size_t next = rest.find_first_not_of(kSplitSpace, cut);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
    if (next == std::string_view::npos) parts.emplace_back();
  }
  return parts;
}

// A JSON array of strings; nullopt when the text is no JSON array at all (it is then shell form).
std::optional<std::vector<std::string>> parse_json_array(std::string_view rest) {
  rest = trim_left_space(rest);
  if (rest.empty() || rest.front() != '[') return std::nullopt;
  const auto json = nlohmann::json::parse(rest.begin(), rest.end(), nullptr, false);
  if (json.is_discarded() || !json.is_array()) return std::nullopt;
  std::vector<std::string> strings;
  for (const auto& element : json) {
    if (!element.is_string()) throw Error(kNotStringArray);
    strings.push_back(element.get<std::string>());
  }
  return strings;
}

// Exec form when the text is a JSON array, else the whole text as one shell-form string (or the words of it).
void parse_maybe_json(DockerfileInstruction& instruction, std::string_view rest, bool shell_form_is_words) {
  if (rest.empty()) return;
  if (auto strings = parse_json_array(rest)) {
    instruction.args.insert(instruction.args.end(), strings->begin(), strings->end());
    instruction.json_form = true;
  } else if (shell_form_is_words) {
    instruction.args = split_on_spaces(rest, 0);
  } else {
    instruction.args.emplace_back(rest);
  }
}

// ENV and LABEL: `key=value ...` (separator "=") or the old `key value` (separator ""), quotes kept.
void parse_key_values(DockerfileInstruction& instruction, std::string_view rest, char escape) {
  const std::vector<std::string> words = parse_words(rest, escape);
  if (words.empty()) return;
  const std::string name = instruction.keyword == "env" ? "ENV" : "LABEL";
  if (words.front().find('=') == std::string::npos) {
    std::vector<std::string> parts = split_on_spaces(rest, 2);
    if (parts.size() < 2) throw Error(name + " must have two arguments");
    instruction.args = {parts[0], parts[1], ""};
    return;
  }
  for (const std::string& word : words) {
    const size_t equals = word.find('=');
    if (equals == std::string::npos) {
      throw Error("Syntax error - can't find = in " + in_quotes(word) + ". Must be of the form: name=value");
    }
    instruction.args.push_back(word.substr(0, equals));
    instruction.args.push_back(word.substr(equals + 1));
    instruction.args.emplace_back("=");
  }
}

// HEALTHCHECK: the type word (CMD, NONE, ...), then the command as CMD takes it.
void parse_healthcheck(DockerfileInstruction& instruction, std::string_view rest) {
  size_t type_end = 0;
  while (type_end < rest.size() && !is_ascii_space(rest[type_end])) ++type_end;
  if (type_end == 0) return;
  size_t command_start = type_end;
  while (command_start < rest.size() && is_ascii_space(rest[command_start])) ++command_start;
  instruction.args.emplace_back(rest.substr(0, type_end));
  parse_maybe_json(instruction, rest.substr(command_start), false);
}

void parse_arguments(DockerfileInstruction& instruction, std::string_view rest, char escape) {
  const auto& forms = argument_forms();
  const auto form = forms.find(instruction.keyword);
  if (form == forms.end()) {
    instruction.args.emplace_back();  // BuildKit keeps an unknown instruction with one empty argument
    return;
  }
  switch (form->second) {
    case ArgumentForm::kMaybeJsonList:
      return parse_maybe_json(instruction, rest, true);
    case ArgumentForm::kMaybeJson:
      return parse_maybe_json(instruction, rest, false);
    case ArgumentForm::kWordList:
      instruction.args = parse_words(rest, escape);
      return;
    case ArgumentForm::kKeyValues:
      return parse_key_values(instruction, rest, escape);
    case ArgumentForm::kWords:
      instruction.args = split_on_spaces(rest, 0);
      return;
    case ArgumentForm::kHealthcheck:
      return parse_healthcheck(instruction, rest);
    case ArgumentForm::kString:
      if (!rest.empty()) instruction.args.emplace_back(rest);
      return;
    case ArgumentForm::kOnbuild:
      if (!rest.empty()) instruction.onbuild.push_back(parse_instruction(rest, escape));
      return;
  }
}

}  // namespace

DockerfileInstruction parse_instruction(std::string_view line, char escape) {
  DockerfileInstruction instruction;
  instruction.original = std::string(line);
  const std::string_view trimmed = trim_space(line);
  const size_t keyword_end = trimmed.find_first_of(kSplitSpace);
  instruction.keyword = ascii_lower(trimmed.substr(0, keyword_end));
  std::string_view rest;
  if (keyword_end != std::string_view::npos) {
    FlagsAndRest flags = extract_flags(trimmed.substr(trimmed.find_first_not_of(kSplitSpace, keyword_end)), escape);
    instruction.flags = std::move(flags.flags);
    rest = trim_space(flags.rest);
  }
  parse_arguments(instruction, rest, escape);
  return instruction;
}

}  // namespace ocipush
