#include "oci_push/auth/aws/aws_config_file.h"

#include <fmt/format.h>

#include "oci_push/util/ascii.h"
#include "oci_push/util/error.h"

namespace ocipush {

AwsIniFile parse_aws_ini(std::string_view text, std::string_view source) {
  AwsIniFile file;
  AwsIniSection* section = nullptr;
  bool in_nested = false;  // after "key =" with no value: indented lines belong to it
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const std::string_view line = ascii_trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && in_nested) continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        throw Error(fmt::format("{}, line {}: a section header without its closing ]", source, line_no));
      std::string name(ascii_trim(line.substr(1, line.size() - 2)));
      // "[profile   dev]" is "profile dev".
      if (name.starts_with("profile") && name.size() > 7 && (name[7] == ' ' || name[7] == '\t'))
        name = "profile " + std::string(ascii_trim(std::string_view(name).substr(8)));
      section = &file[name];
      in_nested = false;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || !section)
      throw Error(fmt::format("{}, line {}: expected [section] or key = value", source, line_no));
    const std::string key = ascii_lower(ascii_trim(line.substr(0, eq)));
    const std::string_view value = ascii_trim(line.substr(eq + 1));
    in_nested = value.empty();
    if (!in_nested) (*section)[key] = std::string(value);
  }
  return file;
}

std::optional<AwsIniSection> aws_profile(const AwsIniFile& file, const std::string& profile, bool config_file) {
  if (config_file) {
    if (auto it = file.find("profile " + profile); it != file.end()) return it->second;
    if (profile != "default") return std::nullopt;
  }
  if (auto it = file.find(profile); it != file.end()) return it->second;
  return std::nullopt;
}

}  // namespace ocipush
