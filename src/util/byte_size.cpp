#include "oci_push/util/byte_size.h"

#include <fmt/format.h>

#include <limits>
#include <optional>

#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw UsageError(fmt::format("invalid size {}: {}", in_quotes(text), why));
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// "", "b", "k", "kb", "kib" (any case; same for m and g) -> multiplier.
std::optional<uint64_t> unit_multiplier(std::string_view unit) {
  std::string u;
  for (char c : unit) u += lower(c);
  if (u.empty() || u == "b") return 1;
  uint64_t multiplier = 0;
  switch (u[0]) {
    case 'k':
      multiplier = uint64_t{1} << 10;
      break;
    case 'm':
      multiplier = uint64_t{1} << 20;
      break;
    case 'g':
      multiplier = uint64_t{1} << 30;
      break;
    default:
      return std::nullopt;
  }
  const std::string_view tail = std::string_view(u).substr(1);
  if (tail.empty() || tail == "b" || tail == "i" || tail == "ib") return multiplier;
  return std::nullopt;
}

}  // namespace

uint64_t parse_byte_size(std::string_view text) {
  constexpr std::string_view kExpected = "expected a whole number with an optional K, M or G suffix, e.g. 16MiB";
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) fail(text, kExpected);

  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t number = 0;
  for (char c : text.substr(0, digits)) {
    const auto d = static_cast<uint64_t>(c - '0');
    if (number > (kMax - d) / 10) fail(text, "too large");
    number = number * 10 + d;
  }
  const auto multiplier = unit_multiplier(text.substr(digits));
  if (!multiplier) fail(text, kExpected);
  if (number > kMax / *multiplier) fail(text, "too large");
  if (number == 0) fail(text, "must be greater than zero");
  return number * *multiplier;
}

}  // namespace ocipush
