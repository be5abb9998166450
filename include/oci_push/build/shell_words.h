// Dockerfile word expansion as BuildKit does it (frontend/dockerfile/shell/lex.go): quotes, escapes,
// $VAR / ${VAR} and the ${VAR...} modifiers, for one word or for a shell-form list of words.
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ocipush {

// The variables an instruction sees, in the order they were defined. When a name appears more than once
// the last entry wins, so an ENV or ARG that redefines a name can simply be appended. A name that is set
// to "" is present with an empty value; a name that is absent is unset (${v-w} and ${v:-w} differ there).
using ShellVariables = std::vector<std::pair<std::string, std::string>>;

// The value of `name` in `vars` (the last entry wins); nullptr when it is unset.
const std::string* find_shell_variable(const ShellVariables& vars, std::string_view name);

// Everything one expansion produced.
struct ShellExpansion {
  std::string word;                 // the text as one word (ProcessWord): spaces between words kept
  std::vector<std::string> words;   // the text split into words after expansion (ProcessWords)
  std::set<std::string> matched;    // variable names the expansion looked up and found set
  std::set<std::string> unmatched;  // names it looked up and found unset (for unused/undefined ARG checks)
};

// Supports $v ${v} ${v:-w} ${v-w} ${v:+w} ${v+w} ${v:?m} ${v?m} ${v#p} ${v##p} ${v%p} ${v%%p} ${v/p/r}
// ${v//p/r}; the patterns take `*`, `?` and `\` escapes (no bracket expressions), as BuildKit's do.
// Errors (an unterminated quote, a bad substitution, ${v?m} with v unset, a bad pattern) throw Error
// naming the word. Two deliberate differences from lex.go: a word's split does not lose the text before
// a nested ${v:-w} (lex.go at 73ed6825 shares one buffer between nesting levels, a regression of its
// 2024 buffer reuse), and names are read with an approximation of Unicode's letter classes.
struct ShellLexer {
  char escape = '\\';  // the Dockerfile's escape directive: '\\' or '`'
  // lex.go's switches, all off for ordinary instructions. raw_quotes keeps the quote characters in the
  // output; raw_escapes keeps the escape characters; skip_process_quotes treats quotes as ordinary
  // characters (here-document bodies); skip_unset_env leaves references to unset variables as written.
  bool raw_quotes = false;
  bool raw_escapes = false;
  bool skip_process_quotes = false;
  bool skip_unset_env = false;

  // One word: quotes removed, escapes applied, variables substituted (ProcessWord).
  std::string expand_word(std::string_view word, const ShellVariables& vars) const;
  // Shell-form splitting after expansion: unquoted whitespace, including whitespace that a variable's
  // value brought in, separates words (ProcessWords).
  std::vector<std::string> expand_words(std::string_view text, const ShellVariables& vars) const;
  // Both of the above at once, with the names that were looked up (ProcessWordWithMatches).
  ShellExpansion expand(std::string_view text, const ShellVariables& vars) const;
};

}  // namespace ocipush
