// The `Link` header (RFC 8288) as registries use it for pagination: `<URL>; rel="next"`.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ocipush {

// The target of the link whose rel names "next" (as written: relative or absolute); nullopt when there is
// none or the header does not parse.
std::optional<std::string> next_page_link(std::string_view link_header);

}  // namespace ocipush
