// An instruction printed as BuildKit's Node.Dump() does, Go string quoting included, so that the parser can
// be checked line by line against BuildKit's own `result` files.
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "oci_push/build/dockerfile.h"

namespace ocipush {
namespace {

// The code point of the UTF-8 sequence at text[pos] and its length, or length 0 when it is not valid UTF-8
// (Go's utf8.DecodeRuneInString rules: no overlong forms, no surrogates, nothing past U+10FFFF).
std::pair<char32_t, size_t> decode_utf8(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u; };
  const unsigned lead = byte(pos);
  if (lead < 0x80) return {lead, 1};
  size_t length = 0;
  unsigned low = 0x80, high = 0xBF;  // the range the second byte must fall in
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return {0, 0};
  }
  if (byte(pos + 1) < low || byte(pos + 1) > high) return {0, 0};
  char32_t code = lead & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) {
    const unsigned next = byte(pos + i);
    if (i > 1 && (next < 0x80 || next > 0xBF)) return {0, 0};
    code = (code << 6) | (next & 0x3F);
  }
  return {code, length};
}

// Go's strconv.IsPrint, approximated: the format, separator, control and private-use characters that matter
// in practice; unassigned code points count as printable.
bool is_printable(char32_t code) {
  if (code < 0x20 || (code >= 0x7F && code <= 0xA0) || code == 0xAD) return false;
  if ((code >= 0x600 && code <= 0x605) || code == 0x61C || code == 0x6DD || code == 0x70F) return false;
  if (code == 0x1680 || code == 0x180E || (code >= 0x2000 && code <= 0x200F)) return false;
  if ((code >= 0x2028 && code <= 0x202F) || (code >= 0x205F && code <= 0x206F) || code == 0x3000) return false;
  if ((code >= 0xE000 && code <= 0xF8FF) || code == 0xFEFF || (code >= 0xFFF9 && code <= 0xFFFB)) return false;
  if (code == 0xFFFE || code == 0xFFFF || (code >= 0xE0000 && code <= 0xE0FFF) || code >= 0xF0000) return false;
  return true;
}

void append_escaped(std::string& out, char32_t code) {
  switch (code) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (code < 0x20 || code == 0x7F) {
    out += fmt::format("\\x{:02x}", static_cast<unsigned>(code));
  } else if (code < 0x10000) {
    out += fmt::format("\\u{:04x}", static_cast<unsigned>(code));
  } else {
    out += fmt::format("\\U{:08x}", static_cast<unsigned>(code));
  }
}

// Go's strconv.Quote.
std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (size_t pos = 0; pos < text.size();) {
    const auto [code, length] = decode_utf8(text, pos);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    if (code == '"' || code == '\\') {
      out += '\\';
      out += static_cast<char>(code);
    } else if (is_printable(code)) {
      out += text.substr(pos, length);
    } else {
      append_escaped(out, code);
    }
    pos += length;
  }
  return out + "\"";
}

// The Dump of one node without the parentheses the root adds around each instruction.
std::string dump_node(const DockerfileInstruction& instruction) {
  std::string out = instruction.keyword;
  if (!instruction.flags.empty()) {
    out += " [";
    for (size_t i = 0; i < instruction.flags.size(); ++i) out += (i == 0 ? "" : " ") + go_quote(instruction.flags[i]);
    out += "]";
  }
  for (const DockerfileInstruction& inner : instruction.onbuild) out += " (" + dump_node(inner) + ")";
  for (const std::string& arg : instruction.args) out += " " + go_quote(arg);
  return std::string(dockerfile_detail::trim_space(out));
}

}  // namespace

std::string dump_instruction(const DockerfileInstruction& instruction) { return "(" + dump_node(instruction) + ")"; }

}  // namespace ocipush
