// Reading what AWS endpoints answer (JSON, STS's XML, ISO 8601 times) and settings say, as the AWS CLI does.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/auth/aws/sigv4.h"

namespace ocipush {

// "2024-01-02T03:04:05Z", with optional fraction and "+00:00"; nullopt when it is not such a time.
std::optional<int64_t> parse_iso8601(std::string_view text);
// The text between <tag> and </tag>, first occurrence; nullopt when absent. Enough for STS answers.
std::optional<std::string> xml_element(std::string_view xml, std::string_view tag);

// The rest is for the credential sources and API calls of this room.

// The string at `key`; "" when absent or not a string.
std::string json_string_field(const nlohmann::json& j, const char* key);
// `body` as a JSON object; throws Error naming `source` for anything else.
nlohmann::json parse_json_answer(const std::string& body, const std::string& source);
// Credentials in the JSON shape of container credentials, IMDS and credential_process; `token_key` names
// the session token's field. Throws Error naming `source` when the keys or the Expiration are unusable.
AwsCredentials credentials_from_json(const nlohmann::json& j, const std::string& source, const char* token_key);

// A setting that says "true" or "1", in any case; unset is false.
bool is_true_setting(const std::optional<std::string>& value);
// Without leading and trailing white space.
std::string trim_space(std::string s);

}  // namespace ocipush
