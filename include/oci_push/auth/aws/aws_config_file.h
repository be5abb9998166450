// ~/.aws/config and ~/.aws/credentials: the INI dialect the AWS CLI reads. Pure.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ocipush {

using AwsIniSection = std::map<std::string, std::string>;  // key -> value, keys lowercase
using AwsIniFile = std::map<std::string, AwsIniSection>;   // section name as written between [ ]

// Sections, `key = value` lines, full-line comments (# ;), indented sub-properties (skipped, as the
// CLI reads them only for nested service settings). Throws Error naming `source` and the line for a
// line that is none of these.
AwsIniFile parse_aws_ini(std::string_view text, std::string_view source);

// The profile's section: "[NAME]" in the credentials file; "[profile NAME]" (or "[default]") in the
// config file.
std::optional<AwsIniSection> aws_profile(const AwsIniFile& file, const std::string& profile, bool config_file);

}  // namespace ocipush
