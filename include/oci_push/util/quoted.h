// User-supplied text (tar names, references) quoted for a one-line error message.
#pragma once
#include <string>
#include <string_view>

namespace ocipush {

// Control characters and quotes are escaped so that a hostile name cannot break the message's one line.
inline std::string in_quotes(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

}  // namespace ocipush
