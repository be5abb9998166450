#include "oci_push/auth/aws/aws_answers.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"

namespace ocipush {

using nlohmann::json;

std::optional<int64_t> parse_iso8601(std::string_view text) {
  std::tm tm{};
  int y, mo, d, h, mi, s;
  char tail[16] = {0};
  const std::string t(text.substr(0, 40));
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &s, tail) < 6) return std::nullopt;
  std::string rest = tail;
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    rest = rest.substr(i);
  }
  if (!rest.empty() && rest != "Z" && rest != "+00:00" && rest != "z") return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

std::optional<std::string> xml_element(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  const size_t b = xml.find(open);
  if (b == std::string_view::npos) return std::nullopt;
  const size_t e = xml.find(close, b + open.size());
  if (e == std::string_view::npos) return std::nullopt;
  std::string value(xml.substr(b + open.size(), e - b - open.size()));
  // The five predefined entities are all STS escapes.
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (size_t p = value.find(from); p != std::string::npos; p = value.find(from, p + 1))
      value.replace(p, std::strlen(from), to);
  return value;
}

std::string json_string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json parse_json_answer(const std::string& body, const std::string& source) {
  auto j = parse_json_bounded(body);
  if (!j.is_object()) throw Error(source + " answered with something that is not a JSON object");
  return j;
}

AwsCredentials credentials_from_json(const json& j, const std::string& source, const char* token_key) {
  AwsCredentials c;
  c.access_key_id = json_string_field(j, "AccessKeyId");
  c.secret_access_key = json_string_field(j, "SecretAccessKey");
  c.session_token = json_string_field(j, token_key);
  c.source = source;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw Error(source + " answered without AccessKeyId and SecretAccessKey");
  if (auto exp = json_string_field(j, "Expiration"); !exp.empty()) {
    c.expires_at = parse_iso8601(exp);
    if (!c.expires_at) throw Error(source + " answered with an Expiration that is not a time");
  }
  return c;
}

bool is_true_setting(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string s = *value;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "1";
}

std::string trim_space(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace ocipush
