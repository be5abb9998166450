// Go's text primitives (utf8, unicode.IsSpace, strings.TrimSpace) and lex.go's shell patterns, which
// BuildKit runs as Go regular expressions: matched here by a search that takes the same match.
#include "oci_push/build/shell_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace ocipush::shell_text {

namespace {

unsigned char byte_at(std::string_view text, size_t i) { return static_cast<unsigned char>(text[i]); }

// Runes with the byte offset each starts at (and the text's length last), so results can be cut from the
// original bytes.
struct DecodedText {
  std::u32string runes;
  std::vector<size_t> offsets;
};

DecodedText decode_with_offsets(std::string_view text) {
  DecodedText out;
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t rune = kRuneError;
    out.offsets.push_back(pos);
    pos += decode_rune(text.substr(pos), rune);
    out.runes.push_back(rune);
  }
  out.offsets.push_back(pos);
  return out;
}

// One element of a lex.go pattern. BuildKit turns `*` into `.*` (or `.*?`) and `?` into `.`, and Go's `.`
// does not match a newline.
struct PatternToken {
  enum class Kind { kLiteral, kAnyRune, kStar };
  Kind kind;
  char32_t rune = 0;
};

// convertShellPatternToRegex: `\` escapes `*`, `?` and itself; before `}` or `/` it only kept them out of
// the ${...} syntax and is dropped; any other escape is an error.
std::vector<PatternToken> compile_pattern(const std::u32string& pattern, std::string_view shown) {
  std::vector<PatternToken> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char32_t c = pattern[i];
    if (c == U'*') {
      tokens.push_back({PatternToken::Kind::kStar});
    } else if (c == U'?') {
      tokens.push_back({PatternToken::Kind::kAnyRune});
    } else if (c == U'\\') {
      const char32_t escaped = i + 1 < pattern.size() ? pattern[i + 1] : kEof;
      if (escaped == U'}' || escaped == U'/') continue;
      if (escaped != U'*' && escaped != U'?' && escaped != U'\\') {
        std::string shown_escape = "\\";
        if (escaped != kEof) append_utf8(shown_escape, escaped);
        throw LexFailure(fmt::format("invalid pattern ({}) in substitution: invalid escape '{}'", shown, shown_escape));
      }
      tokens.push_back({PatternToken::Kind::kLiteral, escaped});
      ++i;
    } else {
      tokens.push_back({PatternToken::Kind::kLiteral, c});
    }
  }
  return tokens;
}

// Finds the match Go's leftmost-first regexp engine reports: stars try their longest run first when
// greedy, their shortest when not, and the first way that reaches the pattern's end wins. States that
// cannot reach the end are remembered, so the search stays polynomial however many stars there are.
class PatternSearch {
 public:
  static constexpr size_t kNone = std::u32string::npos;

  PatternSearch(const std::vector<PatternToken>& tokens, const std::u32string& text, bool greedy)
      : tokens_(tokens), text_(text), greedy_(greedy), dead_((tokens.size() + 1) * (text.size() + 1), false) {}

  // The end of the match that starts at `start`, or kNone.
  size_t match_from(size_t start) {
    size_t end = kNone;
    return step(0, start, end) ? end : kNone;
  }

  // The leftmost match at or after `from`: {start, end}.
  std::optional<std::pair<size_t, size_t>> find(size_t from) {
    for (size_t start = from; start <= text_.size(); ++start) {
      const size_t end = match_from(start);
      if (end != kNone) return std::make_pair(start, end);
    }
    return std::nullopt;
  }

 private:
  bool step(size_t t, size_t p, size_t& end) {
    if (t == tokens_.size()) {
      end = p;
      return true;
    }
    const size_t state = t * (text_.size() + 1) + p;
    if (dead_[state]) return false;
    const PatternToken& token = tokens_[t];
    bool found = false;
    if (token.kind == PatternToken::Kind::kStar) {
      size_t limit = p;
      while (limit < text_.size() && text_[limit] != U'\n') ++limit;
      for (size_t n = 0; n <= limit - p && !found; ++n) found = step(t + 1, greedy_ ? limit - n : p + n, end);
    } else if (p < text_.size()) {
      const bool one = token.kind == PatternToken::Kind::kAnyRune ? text_[p] != U'\n' : text_[p] == token.rune;
      found = one && step(t + 1, p + 1, end);
    }
    if (!found) dead_[state] = true;
    return found;
  }

  const std::vector<PatternToken>& tokens_;
  const std::u32string& text_;
  bool greedy_;
  std::vector<bool> dead_;
};

// lex.go's reversePattern: reverses the runes but keeps each `\x` pair in order.
std::u32string reverse_pattern(const std::u32string& pattern) {
  std::u32string out(pattern.size(), U' ');
  const size_t n = pattern.size();
  for (size_t i = 0; i < n;) {
    const size_t out_index = n - 1 - i;
    if (pattern[i] == U'\\' && i + 1 != n) {
      out[out_index - 1] = pattern[i];
      out[out_index] = pattern[i + 1];
      i += 2;
    } else {
      out[out_index] = pattern[i];
      ++i;
    }
  }
  return out;
}

// Go's regexp `extract`: the group reference after a `$`; nullopt when malformed. The number is -1 for a
// name (this regexp has no named groups).
struct GroupReference {
  size_t length;
  long number;
};

std::optional<GroupReference> extract_reference(std::string_view text) {
  const bool brace = !text.empty() && text[0] == '{';
  size_t i = brace ? 1 : 0;
  const size_t name_start = i;
  while (i < text.size()) {
    char32_t rune = kRuneError;
    const size_t n = decode_rune(text.substr(i), rune);
    if (!is_letter(rune) && !is_digit(rune) && rune != U'_') break;
    i += n;
  }
  if (i == name_start) return std::nullopt;
  const std::string_view name = text.substr(name_start, i - name_start);
  if (brace) {
    if (i >= text.size() || text[i] != '}') return std::nullopt;
    ++i;
  }
  long number = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || number >= 100000000) {
      number = -1;
      break;
    }
    number = number * 10 + (c - '0');
  }
  if (name.size() > 1 && name[0] == '0') number = -1;
  return GroupReference{i, number};
}

// Regexp.Expand for a regexp without groups: $0 / ${0} is the match, $$ a dollar, other references empty.
std::string expand_replacement(std::string_view replacement, std::string_view match) {
  std::string out;
  size_t pos = 0;
  while (pos < replacement.size()) {
    const size_t dollar = replacement.find('$', pos);
    if (dollar == std::string_view::npos) break;
    out += replacement.substr(pos, dollar - pos);
    pos = dollar + 1;
    if (pos < replacement.size() && replacement[pos] == '$') {
      out += '$';
      ++pos;
      continue;
    }
    const auto reference = extract_reference(replacement.substr(pos));
    if (!reference) {
      out += '$';
      continue;
    }
    pos += reference->length;
    if (reference->number == 0) out += match;
  }
  out += replacement.substr(std::min(pos, replacement.size()));
  return out;
}

}  // namespace

size_t decode_rune(std::string_view text, char32_t& rune) {
  rune = kRuneError;
  if (text.empty()) return 0;
  const unsigned char first = byte_at(text, 0);
  if (first < 0x80) {
    rune = first;
    return 1;
  }
  size_t length = 0;
  char32_t value = 0;
  unsigned char low = 0x80;  // the second byte's range excludes overlong forms, surrogates, > U+10FFFF
  unsigned char high = 0xBF;
  if (first >= 0xC2 && first <= 0xDF) {
    length = 2;
    value = first & 0x1F;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    value = first & 0x0F;
    if (first == 0xE0) low = 0xA0;
    if (first == 0xED) high = 0x9F;
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    value = first & 0x07;
    if (first == 0xF0) low = 0x90;
    if (first == 0xF4) high = 0x8F;
  } else {
    return 1;
  }
  if (text.size() < length) return 1;
  for (size_t i = 1; i < length; ++i) {
    const unsigned char b = byte_at(text, i);
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xBF)) return 1;
    value = (value << 6) | (b & 0x3F);
  }
  rune = value;
  return length;
}

std::u32string decode_runes(std::string_view text) { return decode_with_offsets(text).runes; }

void append_utf8(std::string& out, char32_t rune) {
  // Like Go's WriteRune, what is no rune (a surrogate, past U+10FFFF) is written as U+FFFD.
  if (rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) rune = kRuneError;
  if (rune < 0x80) {
    out += static_cast<char>(rune);
  } else if (rune < 0x800) {
    out += static_cast<char>(0xC0 | (rune >> 6));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else if (rune < 0x10000) {
    out += static_cast<char>(0xE0 | (rune >> 12));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (rune >> 18));
    out += static_cast<char>(0x80 | ((rune >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  }
}

std::string encode_utf8(std::u32string_view runes) {
  std::string out;
  for (char32_t c : runes) append_utf8(out, c);
  return out;
}

bool is_space(char32_t c) {
  static constexpr std::u32string_view kSpaces = U"\t\n\v\f\r \u0085\u00A0\u1680\u2028\u2029\u202F\u205F\u3000";
  return (c >= 0x2000 && c <= 0x200A) || kSpaces.find(c) != std::u32string_view::npos;
}

bool is_letter(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
  if (c == 0xAA || c == 0xB5 || c == 0xBA) return true;
  // Blocks with no letters at all (or too few to matter in a variable's name).
  static constexpr std::pair<char32_t, char32_t> kNotLetters[] = {
      {0x80, 0xBF},     {0xD7, 0xD7},     {0xF7, 0xF7},       {0x300, 0x36F},     {0x1680, 0x1680},
      {0x2000, 0x206F}, {0x20A0, 0x20FF}, {0x2150, 0x218F},   {0x2190, 0x2BFF},   {0x2E00, 0x2E7F},
      {0x3000, 0x303F}, {0xD800, 0xF8FF}, {0xFE00, 0xFE6F},   {0xFF00, 0xFF20},   {0xFF3B, 0xFF40},
      {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF}, {0xE0000, 0xE007F}, {0xF0000, 0xFFFFFFFF},
  };
  for (const auto& [low, high] : kNotLetters) {
    if (c >= low && c <= high) return false;
  }
  return true;
}

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

bool is_special_parameter(char32_t c) { return std::u32string_view(U"@*#?-$!0").find(c) != std::u32string_view::npos; }

std::string_view trim_space(std::string_view text) {
  const DecodedText decoded = decode_with_offsets(text);
  size_t first = 0;
  while (first < decoded.runes.size() && is_space(decoded.runes[first])) ++first;
  size_t last = decoded.runes.size();
  while (last > first && is_space(decoded.runes[last - 1])) --last;
  return text.substr(decoded.offsets[first], decoded.offsets[last] - decoded.offsets[first]);
}

std::string trim_prefix(std::string_view pattern, std::string_view value, bool greedy) {
  const auto tokens = compile_pattern(decode_runes(pattern), pattern);
  const DecodedText decoded = decode_with_offsets(value);
  const size_t end = PatternSearch(tokens, decoded.runes, greedy).match_from(0);
  if (end == PatternSearch::kNone) return std::string(value);
  return std::string(value.substr(decoded.offsets[end]));
}

std::string trim_suffix(std::string_view pattern, std::string_view value, bool greedy) {
  // A regexp finds the leftmost match, not the rightmost: reverse both and trim a prefix instead.
  const auto tokens = compile_pattern(reverse_pattern(decode_runes(pattern)), pattern);
  std::u32string reversed = decode_runes(value);
  std::reverse(reversed.begin(), reversed.end());
  const size_t end = PatternSearch(tokens, reversed, greedy).match_from(0);
  if (end == PatternSearch::kNone) return std::string(value);
  std::u32string kept = reversed.substr(end);
  std::reverse(kept.begin(), kept.end());
  return encode_utf8(kept);
}

std::string replace_pattern(std::string_view value, std::string_view pattern, std::string_view replacement, bool all) {
  const auto tokens = compile_pattern(decode_runes(pattern), pattern);
  const DecodedText decoded = decode_with_offsets(value);
  PatternSearch search(tokens, decoded.runes, true);
  const auto bytes = [&](size_t from, size_t to) {
    return value.substr(decoded.offsets[from], decoded.offsets[to] - decoded.offsets[from]);
  };
  const size_t n = decoded.runes.size();
  if (!all) {
    const auto found = search.find(0);
    if (!found) return std::string(value);
    return fmt::format("{}{}{}", bytes(0, found->first), replacement, bytes(found->second, n));
  }
  // Regexp.ReplaceAllString: an empty match right after a match is not replaced, and the search always
  // moves on by at least one rune.
  std::string out;
  size_t last_end = 0;
  size_t search_pos = 0;
  while (search_pos <= n) {
    const auto found = search.find(search_pos);
    if (!found) break;
    const auto [start, end] = *found;
    out += bytes(last_end, start);
    if (end > last_end || start == 0) out += expand_replacement(replacement, bytes(start, end));
    last_end = end;
    search_pos = search_pos + 1 > end ? search_pos + 1 : end;
  }
  out += bytes(last_end, n);
  return out;
}

}  // namespace ocipush::shell_text
