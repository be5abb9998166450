// Base64 (RFC 4648, standard alphabet): Basic auth and the "auth" fields of docker config.json.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ocipush {

std::string base64_encode(std::string_view data);
// Standard alphabet, padding optional; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ocipush
