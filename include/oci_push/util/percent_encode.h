// URI and form encoding as SigV4 and OAuth2 token requests both want it (RFC 3986).
#pragma once
#include <string>
#include <string_view>

namespace ocipush {

// RFC 3986 unreserved characters kept, every other byte %XX (uppercase); '/' kept when keep_slash.
std::string percent_encode(std::string_view text, bool keep_slash);

}  // namespace ocipush
