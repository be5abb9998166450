// ASCII classes, case folding and trimming for protocol words (header names, AWS keys, Dockerfile
// keywords, references, host names): never the locale's.
#pragma once
#include <string>
#include <string_view>

namespace ocipush {

inline bool ascii_is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool ascii_is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || ascii_is_digit(c); }
inline bool ascii_is_alnum(char c) { return ascii_is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Without the blanks (space, tab, CR, LF) at either end.
inline std::string_view ascii_trim(std::string_view s) {
  constexpr std::string_view blanks = " \t\r\n";
  const size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

}  // namespace ocipush
