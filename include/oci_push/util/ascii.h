// ASCII case folding and trimming for protocol words (header names, AWS keys, Dockerfile keywords):
// never the locale's.
#pragma once
#include <string>
#include <string_view>

namespace ocipush {

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
