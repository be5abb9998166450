// BuildKit's word expansion (frontend/dockerfile/shell/lex.go), rune by rune as Go's text/scanner reads it,
// so that quotes, escapes, nested ${...} and their error cases behave as `docker build` does.
#include "oci_push/build/shell_words.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "oci_push/build/shell_text.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

using shell_text::append_utf8;
using shell_text::decode_runes;
using shell_text::kEof;
using shell_text::LexFailure;

// lex.go's wordsStruct: collects the split words while the single-word result is built beside it.
class WordSplitter {
 public:
  // An unquoted character: whitespace ends the current word.
  void add_char(char32_t c) {
    if (shell_text::is_space(c)) {
      if (in_word_ && !buf_.empty()) {
        words_.push_back(std::move(buf_));
        buf_.clear();
        in_word_ = false;
      }
      return;
    }
    add_raw_char(c);
  }
  void add_raw_char(char32_t c) {
    append_utf8(buf_, c);
    in_word_ = true;
  }
  // A variable's value is split like unquoted text.
  void add_string(std::string_view text) {
    for (char32_t c : decode_runes(text)) add_char(c);
  }
  // Quoted text stays in one word; an empty "" does not make a word on its own, as in lex.go.
  void add_raw_string(std::string_view text) {
    buf_ += text;
    in_word_ = true;
  }
  std::vector<std::string> finish() {
    if (!buf_.empty()) words_.push_back(std::move(buf_));
    return std::move(words_);
  }

 private:
  std::string buf_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

// What processStopOn returns: the text as one word, and split.
struct Piece {
  std::string word;
  std::vector<std::string> words;
};

// One expansion: lex.go's shellWord with its scanner.
class WordProcessor {
 public:
  WordProcessor(const ShellLexer& lexer, const ShellVariables& vars, std::string_view text)
      : lexer_(lexer), vars_(vars), runes_(decode_runes(text)), raw_escapes_(lexer.raw_escapes) {
    // text/scanner skips a byte order mark at the very start.
    if (!runes_.empty() && runes_[0] == 0xFEFF) pos_ = 1;
  }

  ShellExpansion run() {
    Piece piece = process_stop_on(kEof, lexer_.raw_escapes);
    return ShellExpansion{std::move(piece.word), std::move(piece.words), std::move(matched_), std::move(unmatched_)};
  }

 private:
  char32_t peek() const { return pos_ < runes_.size() ? runes_[pos_] : kEof; }
  char32_t next() { return pos_ < runes_.size() ? runes_[pos_++] : kEof; }
  char32_t escape() const { return static_cast<unsigned char>(lexer_.escape); }

  Piece process_stop_on(char32_t stop, bool raw_escapes);
  bool process_special(char32_t c, std::string& out);
  void process_plain(WordSplitter& words, std::string& result);
  std::string process_single_quote();
  std::string process_double_quote();
  std::string process_dollar();
  std::string process_braced();
  std::string process_modifier(const std::string& name, char32_t op, const std::string& ops, bool null_is_unset);
  std::string process_replace(const std::string& name);
  std::string process_name();
  std::string process_possible_heredoc();
  Piece stop_on_or_missing(char32_t stop, bool raw_escapes, const char* missing);
  const std::string* get_env(const std::string& name);

  const ShellLexer& lexer_;
  const ShellVariables& vars_;
  std::u32string runes_;
  size_t pos_ = 0;
  bool raw_escapes_;
  std::set<std::string> matched_;
  std::set<std::string> unmatched_;
};

// Reads up to `stop` (consumed) or the end of the text when stop is kEof.
Piece WordProcessor::process_stop_on(char32_t stop, bool raw_escapes) {
  // The escape mode holds for this level and what it calls; restored for the caller's remaining text.
  const bool saved_raw = std::exchange(raw_escapes_, raw_escapes);
  std::string result;
  WordSplitter words;
  while (peek() != kEof) {
    const char32_t c = peek();
    if (stop != kEof && c == stop) {
      next();
      raw_escapes_ = saved_raw;
      return Piece{std::move(result), words.finish()};
    }
    std::string special;
    if (process_special(c, special)) {
      result += special;
      if (c == U'$') {
        words.add_string(special);
      } else {
        words.add_raw_string(special);
      }
    } else {
      process_plain(words, result);
    }
  }
  if (stop != kEof) {
    std::string wanted;
    append_utf8(wanted, stop);
    throw LexFailure(fmt::format("unexpected end of statement while looking for matching {}", wanted));
  }
  raw_escapes_ = saved_raw;
  return Piece{std::move(result), words.finish()};
}

// The characters lex.go hands to a function of their own; false for an ordinary one.
bool WordProcessor::process_special(char32_t c, std::string& out) {
  if (c == U'$') {
    out = process_dollar();
  } else if (c == U'<') {
    out = process_possible_heredoc();
  } else if (c == U'\'' && !lexer_.skip_process_quotes) {
    out = process_single_quote();
  } else if (c == U'"' && !lexer_.skip_process_quotes) {
    out = process_double_quote();
  } else {
    return false;
  }
  return true;
}

// An ordinary character, or the escape character and the one it escapes (an escape at the end is dropped).
void WordProcessor::process_plain(WordSplitter& words, std::string& result) {
  char32_t c = next();
  if (c == escape()) {
    if (raw_escapes_) {
      words.add_raw_char(c);
      append_utf8(result, c);
    }
    c = next();
    if (c == kEof) return;
    words.add_raw_char(c);
  } else {
    words.add_char(c);
  }
  append_utf8(result, c);
}

// Everything up to the next ' is literal; a single quote cannot be escaped inside.
std::string WordProcessor::process_single_quote() {
  std::string result;
  char32_t c = next();
  if (lexer_.raw_quotes) append_utf8(result, c);
  for (;;) {
    c = next();
    if (c == kEof) throw LexFailure("unexpected end of statement while looking for matching single-quote");
    if (c == U'\'') {
      if (lexer_.raw_quotes) append_utf8(result, c);
      return result;
    }
    append_utf8(result, c);
  }
}

// Inside "...", $ still expands and the escape character escapes only ", $ and itself.
std::string WordProcessor::process_double_quote() {
  std::string result;
  char32_t c = next();
  if (lexer_.raw_quotes) append_utf8(result, c);
  for (;;) {
    const char32_t ahead = peek();
    if (ahead == kEof) throw LexFailure("unexpected end of statement while looking for matching double-quote");
    if (ahead == U'"') {
      c = next();
      if (lexer_.raw_quotes) append_utf8(result, c);
      return result;
    }
    if (ahead == U'$') {
      result += process_dollar();
      continue;
    }
    c = next();
    if (c == escape()) {
      if (raw_escapes_) append_utf8(result, c);
      const char32_t escaped = peek();
      if (escaped == kEof) continue;  // the loop then reports the missing quote
      if (escaped == U'"' || escaped == U'$' || escaped == escape()) c = next();
    }
    append_utf8(result, c);
  }
}

std::string WordProcessor::process_dollar() {
  next();
  if (peek() != U'{') {
    const std::string name = process_name();
    if (name.empty()) return "$";
    const std::string* value = get_env(name);
    if (value == nullptr) return lexer_.skip_unset_env ? "$" + name : std::string();
    return *value;
  }
  next();
  const char32_t c = peek();
  if (c == kEof) throw LexFailure("syntax error: missing '}'");
  if (c == U'{' || c == U'}' || c == U':') throw LexFailure("syntax error: bad substitution");
  return process_braced();
}

// After "${": the name, then "}" or a modifier.
std::string WordProcessor::process_braced() {
  const std::string name = process_name();
  char32_t op = next();
  if (op == kEof) throw LexFailure("syntax error: missing '}'");
  std::string ops;
  append_utf8(ops, op);
  if (op == U'}') {
    const std::string* value = get_env(name);
    if (value == nullptr) return lexer_.skip_unset_env ? fmt::format("${{{}}}", name) : std::string();
    return *value;
  }
  if (op == U'/') return process_replace(name);
  bool null_is_unset = false;
  if (op == U':') {
    // Whatever follows the colon goes on as the modifier; an unknown one fails after its word is read.
    null_is_unset = true;
    op = next();
    if (op != kEof) append_utf8(ops, op);
  } else if (op != U'+' && op != U'-' && op != U'?' && op != U'#' && op != U'%') {
    throw LexFailure(fmt::format("unsupported modifier ({}) in substitution", ops));
  }
  return process_modifier(name, op, ops, null_is_unset);
}

// Reads up to `stop`; running off the end of the text is reported as `missing`.
Piece WordProcessor::stop_on_or_missing(char32_t stop, bool raw_escapes, const char* missing) {
  try {
    return process_stop_on(stop, raw_escapes);
  } catch (const LexFailure&) {
    if (peek() == kEof) throw LexFailure(missing);
    throw;
  }
}

std::string WordProcessor::process_modifier(const std::string& name, char32_t op, const std::string& ops,
                                            bool null_is_unset) {
  // Pattern words keep their escapes: the pattern language gives \* and \? their meaning.
  const bool pattern = op == U'#' || op == U'%';
  if (null_is_unset && pattern) throw LexFailure(fmt::format("unsupported modifier ({}) in substitution", ops));
  std::string word = stop_on_or_missing(U'}', pattern, "syntax error: missing '}'").word;
  const std::string* value = get_env(name);
  if (value == nullptr && lexer_.skip_unset_env) return fmt::format("${{{}{}{}}}", name, ops, word);
  const bool empty_or_unset = value == nullptr || (null_is_unset && value->empty());
  switch (op) {
    case U'-':
      return empty_or_unset ? word : *value;
    case U'+':
      return empty_or_unset ? std::string() : word;
    case U'?':
      if (value == nullptr) {
        throw LexFailure(fmt::format("{}: {}", name, word.empty() ? "is not allowed to be unset" : word));
      }
      if (null_is_unset && value->empty()) {
        throw LexFailure(fmt::format("{}: {}", name, word.empty() ? "is not allowed to be empty" : word));
      }
      return *value;
    case U'#':
    case U'%': {
      // A doubled operator asks for the longest match, a single one for the shortest.
      const bool greedy = !word.empty() && static_cast<char32_t>(word[0]) == op;
      if (greedy) word.erase(0, 1);
      const std::string subject = value == nullptr ? std::string() : *value;
      return op == U'%' ? shell_text::trim_suffix(word, subject, greedy)
                        : shell_text::trim_prefix(word, subject, greedy);
    }
    default:
      throw LexFailure(fmt::format("unsupported modifier ({}) in substitution", ops));
  }
}

// ${v/pattern/replacement} (first match) and ${v//pattern/replacement} (every match).
std::string WordProcessor::process_replace(const std::string& name) {
  const bool all = peek() == U'/';
  if (all) next();
  const std::string pattern = stop_on_or_missing(U'/', true, "syntax error: missing '/' in ${}").word;
  const std::string replacement = stop_on_or_missing(U'}', true, "syntax error: missing '}'").word;
  const std::string* value = get_env(name);
  if (value == nullptr && lexer_.skip_unset_env) return fmt::format("${{{}/{}/{}}}", name, pattern, replacement);
  return shell_text::replace_pattern(value == nullptr ? std::string() : *value, pattern, replacement, all);
}

// A name: letters, digits and _; or all the digits of a positional parameter; or one special parameter.
std::string WordProcessor::process_name() {
  std::string name;
  while (peek() != kEof) {
    const char32_t c = peek();
    if (name.empty() && shell_text::is_digit(c)) {
      while (shell_text::is_digit(peek())) append_utf8(name, next());
      return name;
    }
    if (name.empty() && shell_text::is_special_parameter(c)) {
      append_utf8(name, next());
      return name;
    }
    if (!shell_text::is_letter(c) && !shell_text::is_digit(c) && c != U'_') break;
    append_utf8(name, next());
  }
  return name;
}

// "<<" and the blanks after it stay glued to the delimiter word, so a here-document's marker is one word.
std::string WordProcessor::process_possible_heredoc() {
  next();
  if (peek() != U'<') return "<";
  next();
  std::string result = "<<";
  while (peek() == U'\t' || peek() == U'\r' || peek() == U' ') append_utf8(result, next());
  return result;
}

const std::string* WordProcessor::get_env(const std::string& name) {
  const std::string* value = find_shell_variable(vars_, name);
  (value != nullptr ? matched_ : unmatched_).insert(name);
  return value;
}

}  // namespace

const std::string* find_shell_variable(const ShellVariables& vars, std::string_view name) {
  for (auto it = vars.rbegin(); it != vars.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  return nullptr;
}

ShellExpansion ShellLexer::expand(std::string_view text, const ShellVariables& vars) const {
  try {
    return WordProcessor(*this, vars, text).run();
  } catch (const LexFailure& e) {
    throw Error(fmt::format("failed to process {}: {}", in_quotes(text), e.what()));
  }
}

std::string ShellLexer::expand_word(std::string_view word, const ShellVariables& vars) const {
  return expand(word, vars).word;
}

std::vector<std::string> ShellLexer::expand_words(std::string_view text, const ShellVariables& vars) const {
  return expand(text, vars).words;
}

}  // namespace ocipush
