#include "oci_push/registry/auth_challenge.h"

#include <cstring>
#include <optional>

#include "oci_push/util/ascii.h"

namespace ocipush {
namespace {

bool is_tchar(char c) {
  return ascii_is_alnum(c) || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

// A cursor over the header. The grammar is ambiguous at commas (next parameter or next challenge?),
// which is resolved by looking for "token =" ahead.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::vector<AuthChallenge> run() {
    std::vector<AuthChallenge> out;
    while (true) {
      skip_separators();
      if (at_end()) break;
      const std::string scheme(read_token());
      if (scheme.empty()) {
        skip_garbage();
        continue;
      }
      AuthChallenge challenge{ascii_lower(scheme), {}};
      read_params(challenge);
      out.push_back(std::move(challenge));
    }
    return out;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }

  void skip_ows() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }

  void skip_separators() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }

  std::string_view read_token() {
    const size_t start = i_;
    while (!at_end() && is_tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }

  // Strictly a token, but servers put URLs here unquoted, so anything up to a separator is taken.
  std::string_view read_bare_value() {
    const size_t start = i_;
    // A leading '=' is token68 padding ("abc=="), not a value.
    if (peek() == '=') return {};
    while (!at_end() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '"') ++i_;
    return s_.substr(start, i_ - start);
  }

  // At an opening quote; an unterminated string runs to the end of the header.
  std::string read_quoted() {
    std::string out;
    ++i_;
    while (!at_end()) {
      const char c = s_[i_++];
      if (c == '"') break;
      if (c == '\\' && !at_end()) {
        out += s_[i_++];
      } else {
        out += c;
      }
    }
    return out;
  }

  // Skips at least one character, up to the next comma outside a quoted string.
  void skip_garbage() {
    if (at_end()) return;
    if (peek() == '"') {
      read_quoted();
    } else {
      ++i_;
    }
    while (!at_end() && s_[i_] != ',') {
      if (s_[i_] == '"') {
        read_quoted();
      } else {
        ++i_;
      }
    }
  }

  void read_params(AuthChallenge& challenge) {
    while (true) {
      skip_separators();
      const size_t mark = i_;
      const std::string_view key = read_token();
      skip_ows();
      if (key.empty() || peek() != '=') {
        // Not "key=": the start of the next challenge (or a token68, which registries do not use).
        i_ = mark;
        return;
      }
      ++i_;
      skip_ows();
      const bool quoted = peek() == '"';
      const std::string value = quoted ? read_quoted() : std::string(read_bare_value());
      // An unquoted empty value is token68 padding ("abc=="), not a parameter.
      if (quoted || !value.empty()) challenge.params.try_emplace(ascii_lower(key), value);
      skip_ows();
      if (!at_end() && peek() != ',') skip_garbage();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::vector<AuthChallenge> parse_www_authenticate(std::string_view header) { return Parser(header).run(); }

}  // namespace ocipush
