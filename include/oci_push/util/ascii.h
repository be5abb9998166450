// ASCII case folding for protocol words (header names, AWS keys, Dockerfile keywords): never the locale's.
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

}  // namespace ocipush
