// moby's patternmatcher (MatchesOrParentMatches), for .dockerignore and COPY --exclude. patternmatcher
// turns each pattern into a Go regular expression; here the same pieces are matched directly.
#include "oci_push/build/path_patterns.h"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "oci_push/build/image_paths.h"
#include "oci_push/build/shell_text.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

// One piece of a compiled pattern, with the regular expression patternmatcher would have written for it.
struct GlobToken {
  enum class Kind {
    kLiteral,   // the rune itself
    kNotSlash,  // ?  -> [^/]
    kStar,      // *  -> [^/]*
    kAnyDirs,   // ** or **/ inside a pattern -> (.*/)?
    kAnyRest,   // ** at the end -> .*
    kClass,     // [...] with filepath.Match's syntax
  };
  Kind kind = Kind::kLiteral;
  char32_t rune = 0;
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;
};

// A class's body from just after '['; the pattern was validated by path_match, so it is well formed.
size_t compile_class(const std::u32string& p, size_t i, GlobToken& token) {
  token.kind = GlobToken::Kind::kClass;
  if (i < p.size() && p[i] == U'^') {
    token.negated = true;
    ++i;
  }
  const auto escaped = [&]() {
    if (i < p.size() && p[i] == U'\\') ++i;
    return i < p.size() ? p[i++] : char32_t{0};
  };
  while (i < p.size() && !(p[i] == U']' && !token.ranges.empty())) {
    const char32_t low = escaped();
    char32_t high = low;
    if (i < p.size() && p[i] == U'-') {
      ++i;
      high = escaped();
    }
    token.ranges.emplace_back(low, high);
  }
  return i < p.size() ? i + 1 : i;
}

bool in_class(const GlobToken& token, char32_t c) {
  bool found = false;
  for (const auto& [low, high] : token.ranges) found = found || (low <= c && c <= high);
  return found != token.negated;
}

// Full-string match of the tokens; each (token, position) is decided once.
class GlobSearch {
 public:
  GlobSearch(const std::vector<GlobToken>& tokens, const std::u32string& text)
      : tokens_(tokens), text_(text), memo_((tokens.size() + 1) * (text.size() + 1), 0) {}

  bool matches() { return step(0, 0); }

 private:
  bool step(size_t t, size_t p) {
    if (t == tokens_.size()) return p == text_.size();
    char& memo = memo_[t * (text_.size() + 1) + p];
    if (memo == 0) memo = try_token(t, p) ? 1 : 2;
    return memo == 1;
  }

  bool try_token(size_t t, size_t p) {
    const GlobToken& token = tokens_[t];
    const size_t n = text_.size();
    switch (token.kind) {
      case GlobToken::Kind::kLiteral:
        return p < n && text_[p] == token.rune && step(t + 1, p + 1);
      case GlobToken::Kind::kNotSlash:
        return p < n && text_[p] != U'/' && step(t + 1, p + 1);
      case GlobToken::Kind::kClass:
        return p < n && in_class(token, text_[p]) && step(t + 1, p + 1);
      case GlobToken::Kind::kStar:
        for (size_t q = p;; ++q) {
          if (step(t + 1, q)) return true;
          if (q == n || text_[q] == U'/') return false;
        }
      case GlobToken::Kind::kAnyDirs:
        if (step(t + 1, p)) return true;
        // Go's '.' stops at a newline.
        for (size_t q = p; q < n && text_[q] != U'\n'; ++q) {
          if (text_[q] == U'/' && step(t + 1, q + 1)) return true;
        }
        return false;
      case GlobToken::Kind::kAnyRest:
        for (size_t q = p;; ++q) {
          if (step(t + 1, q)) return true;
          if (q == n || text_[q] == U'\n') return false;
        }
    }
    return false;
  }

  const std::vector<GlobToken>& tokens_;
  const std::u32string& text_;
  std::vector<char> memo_;  // 0 not tried, 1 matches, 2 does not
};

// The part of the path up to its last '/', cleaned; "." when there is none (filepath.Dir).
std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : clean_path(std::string_view(path).substr(0, slash + 1));
}

}  // namespace

// patternmatcher's Pattern: patterns without wildcards compare as strings (exactly, as a prefix for a
// trailing "**", as a suffix for a leading "**"); the others match as tokens.
struct IgnoreMatcher::Rule {
  enum class Type { kExact, kPrefix, kSuffix, kTokens };
  std::string cleaned;
  bool exception = false;
  Type type = Type::kExact;
  std::vector<GlobToken> tokens;

  void compile();
  bool matches(const std::string& path) const;
};

// patternmatcher's compile, token for token; it decides the match type the same way, including that a
// leading "**" with only literal text after it matches any path ending in that text.
void IgnoreMatcher::Rule::compile() {
  const std::u32string p = shell_text::decode_runes(cleaned);
  const auto push = [&](GlobToken::Kind kind, char32_t rune = 0) {
    tokens.emplace_back();
    tokens.back().kind = kind;
    tokens.back().rune = rune;
  };
  for (size_t i = 0, step = 0; i < p.size(); ++step) {
    const char32_t c = p[i++];
    if (c == U'*' && i < p.size() && p[i] == U'*') {
      ++i;
      if (i < p.size() && p[i] == U'/') ++i;
      if (i == p.size() && type == Type::kExact) {
        type = Type::kPrefix;
      } else {
        push(i == p.size() ? GlobToken::Kind::kAnyRest : GlobToken::Kind::kAnyDirs);
        type = Type::kTokens;
      }
      if (step == 0) type = Type::kSuffix;
    } else if (c == U'*' || c == U'?') {
      push(c == U'*' ? GlobToken::Kind::kStar : GlobToken::Kind::kNotSlash);
      type = Type::kTokens;
    } else if (c == U'\\' && i < p.size()) {
      push(GlobToken::Kind::kLiteral, p[i++]);
      type = Type::kTokens;
    } else if (c == U'[') {
      tokens.emplace_back();
      i = compile_class(p, i, tokens.back());
      type = Type::kTokens;
      // filepath.Match accepts a range like l-O, the regular expression patternmatcher builds does not.
      for (const auto& [low, high] : tokens.back().ranges) {
        if (low > high) throw Error(fmt::format("invalid character class range in pattern {}", in_quotes(cleaned)));
      }
    } else {
      push(GlobToken::Kind::kLiteral, c);
      if (c == U']') type = Type::kTokens;
    }
  }
}

bool IgnoreMatcher::Rule::matches(const std::string& path) const {
  switch (type) {
    case Type::kExact:
      return path == cleaned;
    case Type::kPrefix:
      return path.starts_with(std::string_view(cleaned).substr(0, cleaned.size() - 2));
    case Type::kSuffix: {
      const std::string_view suffix = std::string_view(cleaned).substr(2);
      return path.ends_with(suffix) || (suffix[0] == '/' && path == suffix.substr(1));
    }
    case Type::kTokens:
      return GlobSearch(tokens, shell_text::decode_runes(path)).matches();
  }
  return false;
}

IgnoreMatcher::IgnoreMatcher() = default;
IgnoreMatcher::IgnoreMatcher(const IgnoreMatcher&) = default;
IgnoreMatcher::IgnoreMatcher(IgnoreMatcher&&) noexcept = default;
IgnoreMatcher& IgnoreMatcher::operator=(const IgnoreMatcher&) = default;
IgnoreMatcher& IgnoreMatcher::operator=(IgnoreMatcher&&) noexcept = default;
IgnoreMatcher::~IgnoreMatcher() = default;

bool IgnoreMatcher::empty() const { return rules_.empty(); }

IgnoreMatcher::IgnoreMatcher(const std::vector<IgnorePattern>& patterns) {
  // ReadAll's output goes through patternmatcher.New as "!pattern" strings; so does this.
  for (const IgnorePattern& pattern : patterns) add((pattern.exception ? "!" : "") + pattern.pattern);
}

IgnoreMatcher IgnoreMatcher::from_patterns(const std::vector<std::string>& patterns) {
  IgnoreMatcher matcher;
  for (const std::string& pattern : patterns) matcher.add(pattern);
  return matcher;
}

// patternmatcher.New for one pattern.
void IgnoreMatcher::add(std::string_view pattern) {
  pattern = shell_text::trim_space(pattern);
  if (pattern.empty()) return;
  Rule rule;
  rule.cleaned = clean_path(pattern);
  if (rule.cleaned[0] == '!') {
    if (rule.cleaned.size() == 1) throw Error("illegal exclusion pattern: \"!\"");
    rule.exception = true;
    rule.cleaned.erase(0, 1);
    exceptions_ = true;
  }
  path_match(rule.cleaned, ".");  // only for its syntax check: throws for a malformed pattern
  rule.compile();
  rules_.push_back(std::move(rule));
}

bool IgnoreMatcher::excluded(std::string_view relative_path) const {
  const std::string file = clean_path(relative_path);
  if (file == ".") return false;
  const std::string parent = parent_of(file);
  bool matched = false;
  for (const Rule& rule : rules_) {
    // Only an exception can undo a match, and only a non-exception can make one.
    if (rule.exception != matched) continue;
    bool match = rule.matches(file);
    // Otherwise a pattern that matches a parent directory takes everything below it.
    for (size_t from = 0; !match && parent != ".";) {
      const size_t slash = parent.find('/', from);
      match = rule.matches(parent.substr(0, slash));
      if (slash == std::string::npos) break;
      from = slash + 1;
    }
    if (match) matched = !rule.exception;
  }
  return matched;
}

}  // namespace ocipush
