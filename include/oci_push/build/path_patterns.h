// Path patterns as Docker builds use them: Go's filepath.Match for COPY/ADD sources, and moby's
// patternmatcher (with ignorefile.ReadAll) for .dockerignore and COPY --exclude.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ocipush {

// Go's filepath.Match on Linux: `*` any run of non-'/' characters, `?` one non-'/' character, `[...]` a
// class with ranges (`[a-z]`), negated by a leading `^` (`!` is an ordinary character), `\` escaping the
// next character anywhere. The whole name must match. A malformed pattern (an unclosed class, an empty
// one, a trailing `\`, `[a-]`) throws Error even when the name could never have matched (ErrBadPattern).
bool path_match(std::string_view pattern, std::string_view name);

// Whether a COPY/ADD source is a glob: BuildKit's containsWildcards, `*`, `?` or `[` not escaped by `\`.
bool has_glob_chars(std::string_view path);

// One .dockerignore line.
struct IgnorePattern {
  std::string pattern;     // trimmed and cleaned, a leading "/" removed, without the '!'
  bool exception = false;  // a "!pattern" line: re-includes what earlier lines excluded
};

// ignorefile.ReadAll: a UTF-8 byte order mark is dropped, lines starting with '#' are comments, every other
// line is trimmed and, when not empty, cleaned and made relative ("/a/" and "./a" are "a"). A lone "!" is
// kept (an exception with an empty pattern) and refused by IgnoreMatcher, as docker build refuses it.
std::vector<IgnorePattern> parse_dockerignore(std::string_view text);

// patternmatcher.PatternMatcher with MatchesOrParentMatches. Besides filepath.Match's syntax a pattern may
// use `**` for any number of directories ("**/*.go", "a/**/b", "a/**"). A path is excluded when the last
// pattern that matches it, or one of its parent directories, is not an exception; so "dir" excludes
// everything under dir, and "!dir/keep" after it brings dir/keep back.
class IgnoreMatcher {
 public:
  IgnoreMatcher();  // no patterns: excludes nothing
  // Throws Error for a malformed pattern, a lone "!", or a reversed class range such as [z-a] (which
  // filepath.Match accepts but patternmatcher's regular expression refuses once it is used).
  explicit IgnoreMatcher(const std::vector<IgnorePattern>& patterns);
  // patternmatcher.New's input, as COPY --exclude gives it: each pattern trimmed and cleaned, a leading
  // '!' making it an exception.
  static IgnoreMatcher from_patterns(const std::vector<std::string>& patterns);

  IgnoreMatcher(const IgnoreMatcher&);
  IgnoreMatcher(IgnoreMatcher&&) noexcept;
  IgnoreMatcher& operator=(const IgnoreMatcher&);
  IgnoreMatcher& operator=(IgnoreMatcher&&) noexcept;
  ~IgnoreMatcher();

  // `relative_path` is relative to the context, '/'-separated, without "./"; it is cleaned first. The
  // context's root ("" or ".") is never excluded.
  bool excluded(std::string_view relative_path) const;
  // Whether any pattern is an exception. Without exceptions a walker may skip an excluded directory
  // whole; with them something inside may be re-included, so it has to look.
  bool has_exceptions() const { return exceptions_; }
  bool empty() const;

 private:
  struct Rule;
  void add(std::string_view pattern);

  std::vector<Rule> rules_;
  bool exceptions_ = false;
};

}  // namespace ocipush
