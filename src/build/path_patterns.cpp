// Go's filepath.Match and filepath.Clean, and ignorefile.ReadAll, as Docker builds apply them to paths
// in the build context. The .dockerignore matcher itself is in ignore_matcher.cpp.
#include "oci_push/build/path_patterns.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "oci_push/build/image_paths.h"
#include "oci_push/build/shell_text.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

// Go's ErrBadPattern inside the matcher; path_match names the pattern.
struct BadPattern {};

// The next piece of a pattern: the stars before it, then everything up to the next star outside a class.
struct Chunk {
  bool star = false;
  std::string_view text;
  std::string_view rest;
};

Chunk scan_chunk(std::string_view pattern) {
  Chunk chunk;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    chunk.star = true;
  }
  bool in_range = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) ++i;  // a trailing '\' is matchChunk's error to report
    } else if (c == '[') {
      in_range = true;
    } else if (c == ']') {
      in_range = false;
    } else if (c == '*' && !in_range) {
      break;
    }
  }
  chunk.text = pattern.substr(0, i);
  chunk.rest = pattern.substr(i);
  return chunk;
}

// A character of a class, possibly escaped; also a bad pattern when nothing follows it.
char32_t get_escaped(std::string_view& chunk) {
  if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') throw BadPattern{};
  if (chunk[0] == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) throw BadPattern{};
  }
  char32_t rune = shell_text::kRuneError;
  const size_t n = shell_text::decode_rune(chunk, rune);
  if (rune == shell_text::kRuneError && n == 1) throw BadPattern{};
  chunk.remove_prefix(n);
  if (chunk.empty()) throw BadPattern{};
  return rune;
}

// A class from just after its '['; whether `rune` is in it (meaningless when `failed`).
bool match_class(std::string_view& chunk, char32_t rune) {
  bool negated = false;
  if (!chunk.empty() && chunk[0] == '^') {
    negated = true;
    chunk.remove_prefix(1);
  }
  bool match = false;
  for (int ranges = 0;; ++ranges) {
    if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
      chunk.remove_prefix(1);
      break;
    }
    const char32_t low = get_escaped(chunk);
    char32_t high = low;
    if (chunk[0] == '-') {
      chunk.remove_prefix(1);
      high = get_escaped(chunk);
    }
    if (low <= rune && rune <= high) match = true;
  }
  return match != negated;
}

// Whether `chunk` (no stars) matches the start of `s`; `rest` is what follows. Once the match has failed
// the chunk is still read to the end, so a malformed one is reported whatever the name.
bool match_chunk(std::string_view chunk, std::string_view s, std::string_view& rest) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    if (chunk[0] == '[') {
      char32_t rune = 0;
      if (!failed) s.remove_prefix(shell_text::decode_rune(s, rune));
      chunk.remove_prefix(1);
      if (!match_class(chunk, rune)) failed = true;
      continue;
    }
    if (chunk[0] == '?') {
      if (!failed) {
        if (s[0] == '/') failed = true;
        char32_t rune = 0;
        s.remove_prefix(shell_text::decode_rune(s, rune));
      }
      chunk.remove_prefix(1);
      continue;
    }
    if (chunk[0] == '\\') {
      chunk.remove_prefix(1);
      if (chunk.empty()) throw BadPattern{};
    }
    if (!failed) {
      if (chunk[0] != s[0]) failed = true;
      s.remove_prefix(1);
    }
    chunk.remove_prefix(1);
  }
  if (failed) return false;
  rest = s;
  return true;
}

bool go_match(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    const Chunk chunk = scan_chunk(pattern);
    pattern = chunk.rest;
    if (chunk.star && chunk.text.empty()) return name.find('/') == std::string_view::npos;
    std::string_view rest;
    if (match_chunk(chunk.text, name, rest) && (rest.empty() || !pattern.empty())) {
      name = rest;
      continue;
    }
    bool advanced = false;
    // After a star, try the chunk at every later byte of the name's current segment.
    for (size_t i = 0; chunk.star && !advanced && i < name.size() && name[i] != '/'; ++i) {
      if (!match_chunk(chunk.text, name.substr(i + 1), rest)) continue;
      if (pattern.empty() && !rest.empty()) continue;  // the last chunk has to use up the name
      name = rest;
      advanced = true;
    }
    if (advanced) continue;
    // No match; what is left of the pattern must still be well formed.
    while (!pattern.empty()) {
      const Chunk left = scan_chunk(pattern);
      pattern = left.rest;
      match_chunk(left.text, "", rest);
    }
    return false;
  }
  return name.empty();
}

}  // namespace

bool path_match(std::string_view pattern, std::string_view name) {
  try {
    return go_match(pattern, name);
  } catch (const BadPattern&) {
    throw Error(fmt::format("syntax error in pattern {}", in_quotes(pattern)));
  }
}

bool has_glob_chars(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\') {
      ++i;
    } else if (path[i] == '*' || path[i] == '?' || path[i] == '[') {
      return true;
    }
  }
  return false;
}

std::vector<IgnorePattern> parse_dockerignore(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<IgnorePattern> patterns;
  while (!text.empty()) {
    // bufio.ScanLines: '\n' ends a line, a '\r' before it is dropped, a last line needs no '\n'.
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with('#')) continue;  // before trimming: " # x" is a pattern
    line = shell_text::trim_space(line);
    if (line.empty()) continue;
    IgnorePattern pattern;
    if (line[0] == '!') {
      pattern.exception = true;
      line = shell_text::trim_space(line.substr(1));
    }
    if (!line.empty()) {
      pattern.pattern = clean_path(line);
      if (pattern.pattern.size() > 1 && pattern.pattern[0] == '/') pattern.pattern.erase(0, 1);
    }
    patterns.push_back(std::move(pattern));
  }
  return patterns;
}

}  // namespace ocipush
