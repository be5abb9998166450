// Text primitives that the Dockerfile word expansion and the .dockerignore matcher share, with the
// meaning Go gives them (UTF-8 decoding, unicode.IsSpace, strings.TrimSpace), and lex.go's pattern
// operations behind ${v#p} ${v%p} ${v/p/r}. Internal to the build room: shell_words.h and
// path_patterns.h are the interfaces.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace ocipush::shell_text {

inline constexpr char32_t kEof = 0xFFFFFFFF;    // what text/scanner's Peek/Next return at the end
inline constexpr char32_t kRuneError = 0xFFFD;  // what an invalid UTF-8 byte decodes to

// A failure inside one word; ShellLexer adds which word before the user sees it.
class LexFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Go's utf8.DecodeRuneInString: the rune at the start of `text` and its length in bytes; an invalid or
// truncated sequence is kRuneError of length 1, an empty text kRuneError of length 0.
size_t decode_rune(std::string_view text, char32_t& rune);
// The whole text as runes, each invalid byte as kRuneError.
std::u32string decode_runes(std::string_view text);
void append_utf8(std::string& out, char32_t rune);
std::string encode_utf8(std::u32string_view runes);

// unicode.IsSpace.
bool is_space(char32_t c);
// unicode.IsLetter, approximated: ASCII letters, and every other rune above U+007F that is not in a block
// of spaces, punctuation, symbols, combining marks or emoji.
bool is_letter(char32_t c);
// unicode.IsDigit for ASCII; other scripts' digits count as letters (see is_letter).
bool is_digit(char32_t c);
// POSIX special parameters ($@ $* $# $? $- $$ $! $0), which are never set in a Dockerfile.
bool is_special_parameter(char32_t c);
// strings.TrimSpace.
std::string_view trim_space(std::string_view text);

// ${v#pattern} (shortest prefix) and ${v##pattern} (greedy: longest); `pattern` keeps its escapes.
// Throws LexFailure for an invalid escape in the pattern.
std::string trim_prefix(std::string_view pattern, std::string_view value, bool greedy);
// ${v%pattern} and ${v%%pattern}.
std::string trim_suffix(std::string_view pattern, std::string_view value, bool greedy);
// ${v/pattern/replacement} (first match) and ${v//pattern/replacement} (all, with Go's Regexp.Expand of
// the replacement: $$ is $, $0 the match, other $names empty, as BuildKit's use of ReplaceAllString does).
std::string replace_pattern(std::string_view value, std::string_view pattern, std::string_view replacement, bool all);

}  // namespace ocipush::shell_text
