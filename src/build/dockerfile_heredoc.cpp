// Finding the here-documents a Dockerfile line names. BuildKit splits the line into shell words with its
// shell lexer (quotes and escapes kept, no variable set) and takes each word of the form `[fd]<<[-]WORD`;
// the terminator's quoting decides whether the content is expanded. This is that lexer's word splitting,
// without expansion, quirks included, so that the same words come out.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oci_push/build/dockerfile.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

using dockerfile_detail::space_length_at;

constexpr int kEnd = -1;
constexpr char kEscape = '\\';  // BuildKit lexes here-document words with `\` whatever the escape directive

bool is_name_char(int ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch >= 0x80;
}

// Shell words collected in a buffer that every nested scan shares and clears, as BuildKit's shellWord does.
class WordList {
 public:
  explicit WordList(std::string& buffer) : buffer_(buffer) {}
  void add_space() {
    if (in_word_ && !buffer_.empty()) finish_word();
  }
  void add_raw(std::string_view text) {
    buffer_ += text;
    in_word_ = true;
  }
  // Text a variable reference produced: its white space splits words.
  void add_split(std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
      const size_t space = space_length_at(text, pos);
      if (space != 0) {
        add_space();
        pos += space;
      } else {
        add_raw(text.substr(pos++, 1));
      }
    }
  }
  std::vector<std::string> take() {
    if (!buffer_.empty()) finish_word();
    return std::move(words_);
  }

 private:
  void finish_word() {
    words_.push_back(buffer_);
    buffer_.clear();
    in_word_ = false;
  }
  std::string& buffer_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

class ShellWordLexer {
 public:
  ShellWordLexer(std::string_view text, bool raw_quotes, bool raw_escapes)
      : text_(text), raw_quotes_(raw_quotes), raw_escapes_(raw_escapes) {}

  std::vector<std::string> words() {
    try {
      return scan_until(kEnd, raw_escapes_).second;
    } catch (const Error& error) {
      throw Error("failed to process " + in_quotes(text_) + ": " + error.what());
    }
  }

 private:
  int peek() const { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : kEnd; }
  int next() { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_++]) : kEnd; }
  static std::string as_text(int ch) { return ch == kEnd ? "\xEF\xBF\xBD" : std::string(1, static_cast<char>(ch)); }

  std::pair<std::string, std::vector<std::string>> scan_until(int stop, bool raw_escapes) {
    std::string result;
    words_buffer_.clear();
    WordList words(words_buffer_);
    const bool saved_raw_escapes = raw_escapes_;
    raw_escapes_ = raw_escapes;
    while (peek() != kEnd) {
      const int ch = peek();
      if (stop != kEnd && ch == stop) {
        next();
        raw_escapes_ = saved_raw_escapes;
        return {result, words.take()};
      }
      if (ch == '$' || ch == '<' || ch == '\'' || ch == '"') {
        const std::string part = special(ch);
        result += part;
        ch == '$' ? words.add_split(part) : words.add_raw(part);
      } else if (const size_t space = space_length_at(text_, pos_); space != 0) {
        words.add_space();
        result += text_.substr(pos_, space);
        pos_ += space;
      } else if (!plain_char(result, words)) {
        break;
      }
    }
    raw_escapes_ = saved_raw_escapes;
    if (stop != kEnd) throw Error("unexpected end of statement while looking for matching " + as_text(stop));
    return {result, words.take()};
  }

  // An ordinary character, or an escape and the character after it; false at an escape that ends the text.
  bool plain_char(std::string& result, WordList& words) {
    int ch = next();
    if (ch == kEscape) {
      if (raw_escapes_) {
        words.add_raw(as_text(ch));
        result += as_text(ch);
      }
      ch = next();
      if (ch == kEnd) return false;
    }
    words.add_raw(as_text(ch));
    result += as_text(ch);
    return true;
  }

  std::string special(int ch) {
    if (ch == '$') return dollar();
    if (ch == '<') return possible_heredoc();
    return ch == '\'' ? single_quoted() : double_quoted();
  }

  std::string single_quoted() {
    std::string result;
    const int opening = next();
    if (raw_quotes_) result += as_text(opening);
    for (int ch = next();; ch = next()) {
      if (ch == kEnd) throw Error("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') {
        if (raw_quotes_) result += '\'';
        return result;
      }
      result += as_text(ch);
    }
  }

  std::string double_quoted() {
    std::string result;
    const int opening = next();
    if (raw_quotes_) result += as_text(opening);
    while (true) {
      const int ch = peek();
      if (ch == kEnd) throw Error("unexpected end of statement while looking for matching double-quote");
      if (ch == '"') {
        next();
        if (raw_quotes_) result += '"';
        return result;
      }
      if (ch == '$') {
        result += dollar();
        continue;
      }
      int taken = next();
      if (taken == kEscape) {
        if (raw_escapes_) result += kEscape;
        if (peek() == kEnd) continue;
        // Only these can be escaped inside double quotes; before anything else the escape stays (twice if raw).
        if (peek() == '"' || peek() == '$' || peek() == kEscape) taken = next();
      }
      result += as_text(taken);
    }
  }

  // A variable is never set here, so a reference comes back as written (BuildKit's SkipUnsetEnv).
  std::string dollar() {
    next();
    if (peek() != '{') {
      const std::string name = variable_name();
      return name.empty() ? "$" : "$" + name;
    }
    next();
    if (peek() == kEnd) throw Error("syntax error: missing '}'");
    if (peek() == '{' || peek() == '}' || peek() == ':') throw Error("syntax error: bad substitution");
    const std::string name = variable_name();
    int ch = next();
    std::string modifier = as_text(ch);
    if (ch == '}') return "${" + name + "}";
    if (ch == '/') return substitution(name);
    const bool null_is_unset = ch == ':';
    if (null_is_unset) {
      ch = next();
      modifier += as_text(ch);
    } else if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%') {
      throw Error("unsupported modifier (" + modifier + ") in substitution");
    }
    const bool raw_escapes = ch == '#' || ch == '%';
    if (null_is_unset && raw_escapes) throw Error("unsupported modifier (" + modifier + ") in substitution");
    const std::string word = scan_until_or('}', raw_escapes, "syntax error: missing '}'");
    return "${" + name + modifier + word + "}";
  }

  // ${name/pattern/replacement} and ${name//pattern/replacement}, kept as BuildKit writes them back.
  std::string substitution(const std::string& name) {
    if (peek() == '/') next();
    const std::string pattern = scan_until_or('/', true, "syntax error: missing '/' in ${}");
    const std::string replacement = scan_until_or('}', true, "syntax error: missing '}'");
    return "${" + name + "/" + pattern + "/" + replacement + "}";
  }

  // A nested scan whose failure at the end of the text reads as the missing delimiter.
  std::string scan_until_or(int stop, bool raw_escapes, const char* missing) {
    try {
      return scan_until(stop, raw_escapes).first;
    } catch (const Error&) {
      if (peek() == kEnd) throw Error(missing);
      throw;
    }
  }

  std::string variable_name() {
    std::string name;
    while (peek() != kEnd) {
      const int ch = peek();
      if (name.empty() && ch >= '0' && ch <= '9') {
        while (peek() >= '0' && peek() <= '9') name += as_text(next());
        return name;
      }
      if (name.empty() && std::string_view("@*#?-$!").find(static_cast<char>(ch)) != std::string_view::npos) {
        return as_text(next());
      }
      if (!is_name_char(ch)) break;
      name += as_text(next());
    }
    return name;
  }

  // `<<` keeps the blanks after it, so that `<<  EOF` stays one word.
  std::string possible_heredoc() {
    next();
    if (peek() != '<') return "<";
    next();
    std::string result = "<<";
    while (peek() == ' ' || peek() == '\t' || peek() == '\r') result += as_text(next());
    return result;
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool raw_quotes_;
  bool raw_escapes_;
  std::string words_buffer_;
};

size_t quote_count(std::string_view text) {
  size_t count = 0;
  for (char ch : text) count += (ch == '\'' || ch == '"') ? 1 : 0;
  return count;
}

bool is_regex_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r'; }

// A word `[digits]<<[-][blanks]TERMINATOR` (BuildKit's reHeredoc), or false.
bool heredoc_from_word(std::string_view word, Heredoc& heredoc) {
  size_t pos = 0;
  unsigned long long descriptor = 0;
  bool overflow = false;
  for (; pos < word.size() && word[pos] >= '0' && word[pos] <= '9'; ++pos) {
    overflow = overflow || descriptor > (~0ull - 9) / 10;
    descriptor = descriptor * 10 + static_cast<unsigned>(word[pos] - '0');
  }
  if (word.compare(pos, 2, "<<") != 0) return false;
  pos += 2;
  heredoc.chomp = pos < word.size() && word[pos] == '-';
  if (heredoc.chomp) ++pos;
  while (pos < word.size() && is_regex_space(word[pos])) ++pos;
  const std::string_view rest = word.substr(pos);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return false;
  const std::vector<std::string> words = ShellWordLexer(rest, false, false).words();
  if (words.size() != 1) return false;
  const std::vector<std::string> raw_words = ShellWordLexer(rest, true, false).words();
  if (raw_words.size() != 1) {
    throw Error("internal lexing of heredoc produced inconsistent results: " + std::string(rest));
  }
  heredoc.name = words.front();
  heredoc.expand = quote_count(words.front()) == quote_count(raw_words.front());
  heredoc.file_descriptor = overflow || descriptor > ~0u ? 0 : static_cast<unsigned>(descriptor);
  return true;
}

}  // namespace

std::vector<Heredoc> heredocs_in_line(std::string_view line) {
  std::vector<std::string> words;
  try {
    words = ShellWordLexer(line, true, true).words();
  } catch (const Error&) {
    return {};  // BuildKit ignores a line it cannot lex: it names no here-document then
  }
  std::vector<Heredoc> heredocs;
  for (const std::string& word : words) {
    Heredoc heredoc;
    if (heredoc_from_word(word, heredoc)) heredocs.push_back(std::move(heredoc));
  }
  return heredocs;
}

}  // namespace ocipush
