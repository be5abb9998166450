#include "oci_push/registry/link_header.h"

#include "oci_push/util/ascii.h"

namespace ocipush {

namespace {

// Whether one link's parameters (after its `<URL>`, up to the next link) carry rel with "next" among
// its space-separated relation types.
bool rel_is_next(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view param = ascii_trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    size_t eq = param.find('=');
    if (eq == std::string_view::npos || ascii_lower(ascii_trim(param.substr(0, eq))) != "rel") continue;
    std::string_view value = ascii_trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    for (std::string_view rest = value; !rest.empty();) {
      size_t space = rest.find(' ');
      if (ascii_lower(rest.substr(0, space)) == "next") return true;
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return false;  // only the first rel counts (RFC 8288 section 3.3)
  }
  return false;
}

}  // namespace

std::optional<std::string> next_page_link(std::string_view header) {
  for (;;) {
    header = ascii_trim(header);
    if (header.empty() || header.front() != '<') return std::nullopt;
    size_t close = header.find('>');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(1, close - 1);
    header.remove_prefix(close + 1);
    // this link's parameters run to the next comma outside quotes
    size_t end = 0;
    for (bool quoted = false; end < header.size() && (quoted || header[end] != ','); ++end)
      if (header[end] == '"') quoted = !quoted;
    if (rel_is_next(header.substr(0, end))) return std::string(target);
    if (end >= header.size()) return std::nullopt;
    header.remove_prefix(end + 1);
  }
}

}  // namespace ocipush
