#include "oci_push/auth/aws/aws_credentials.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "oci_push/model/digest.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/percent_encode.h"

namespace ocipush {
namespace {

using nlohmann::json;

constexpr int kMaxRoleChain = 5;
constexpr size_t kMaxAnswer = 1 << 20;

struct UrlParts {
  std::string scheme;  // "http" / "https"
  std::string host;    // with port when given
  std::string path;    // "/..." (at least "/")
  std::string query;
};

UrlParts split_url(const std::string& url) {
  UrlParts p;
  const size_t sep = url.find("://");
  if (sep == std::string::npos) throw Error(fmt::format("{} is not an http(s) URL", url));
  p.scheme = url.substr(0, sep);
  if (p.scheme != "http" && p.scheme != "https") throw Error(fmt::format("{} is not an http(s) URL", url));
  const size_t host_end = url.find_first_of("/?#", sep + 3);
  p.host = url.substr(sep + 3, host_end == std::string::npos ? std::string::npos : host_end - sep - 3);
  std::string rest = host_end == std::string::npos ? "/" : url.substr(host_end);
  if (auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  if (auto q = rest.find('?'); q != std::string::npos) {
    p.query = rest.substr(q + 1);
    rest.resize(q);
  }
  p.path = rest.empty() ? "/" : rest;
  if (p.host.empty()) throw Error(fmt::format("{} names no host", url));
  return p;
}

// A URL that `what` (a secret) may be sent to: https, or plain HTTP to loopback (the tests' stand-ins).
UrlParts split_secret_url(const std::string& url, const char* what) {
  UrlParts parts = split_url(url);
  if (parts.scheme == "http" && !is_loopback_registry(parts.host))
    throw Error(fmt::format("refusing to send {} over plain HTTP to {} (use https)", what, parts.host));
  return parts;
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_true(const std::optional<std::string>& v) {
  if (!v) return false;
  std::string s = *v;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "1";
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// Credentials in the JSON shape of container credentials, IMDS and credential_process.
AwsCredentials credentials_from_json(const json& j, const std::string& source, const char* token_key) {
  AwsCredentials c;
  c.access_key_id = string_field(j, "AccessKeyId");
  c.secret_access_key = string_field(j, "SecretAccessKey");
  c.session_token = string_field(j, token_key);
  c.source = source;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw Error(source + " answered without AccessKeyId and SecretAccessKey");
  if (auto exp = string_field(j, "Expiration"); !exp.empty()) {
    c.expires_at = parse_iso8601(exp);
    if (!c.expires_at) throw Error(source + " answered with an Expiration that is not a time");
  }
  return c;
}

json parse_json_answer(const std::string& body, const std::string& source) {
  auto j = parse_json_bounded(body);
  if (!j.is_object()) throw Error(source + " answered with something that is not a JSON object");
  return j;
}

// "cmd 'a b' \"c d\"" -> {cmd, a b, c d}: the AWS CLI splits credential_process like a POSIX shell.
std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size()) {
        cur += command[++i];
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      cur += command[++i];
      have = true;
    } else if (c == ' ' || c == '\t') {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (quote) throw Error("credential_process has an unterminated quote");
  if (have) out.push_back(cur);
  return out;
}

}  // namespace

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

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + percent_encode(k, false) + "=" + percent_encode(v, false);
  return out;
}

std::string aws_error_code(const HttpResponse& response) {
  auto j = parse_json_bounded(response.body);
  std::string code;
  if (j.is_object()) code = string_field(j, "__type");
  if (code.empty()) code = xml_element(response.body, "Code").value_or("");
  if (code.empty()) code = response.header("x-amzn-errortype").value_or("");
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  return code;
}

std::string describe_aws_error(const HttpResponse& response) {
  std::string message;
  auto j = parse_json_bounded(response.body);
  if (j.is_object()) {
    message = string_field(j, "message");
    if (message.empty()) message = string_field(j, "Message");
  }
  if (message.empty()) message = xml_element(response.body, "Message").value_or("");
  std::string out = "HTTP " + std::to_string(response.status);
  if (auto code = aws_error_code(response); !code.empty()) out += ": " + code;
  if (!message.empty()) {
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';
    out += ": " + message.substr(0, 400);
  }
  return out;
}

std::string aws_endpoint_url(const Environment& env, const std::string& service_id, const std::string& fallback) {
  std::string url = fallback;
  if (!is_true(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
    if (auto v = env.get("AWS_ENDPOINT_URL_" + service_id)) url = *v;
    else if (auto g = env.get("AWS_ENDPOINT_URL")) url = *g;
  }
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

HttpResponse send_signed(HttpClient& http, const Environment& env, const AwsCredentials& credentials,
                         const std::string& region, const std::string& service, const std::string& url,
                         std::vector<HttpHeader> headers, std::string_view body) {
  const UrlParts parts = split_secret_url(url, "AWS credentials");
  SigV4Request to_sign{"POST", parts.path, parts.query, headers, body};
  to_sign.headers.push_back({"Host", parts.host});
  SigV4Context context{region, service, amz_date(env.now())};
  for (auto& h : sigv4_sign(to_sign, context, credentials)) headers.push_back(std::move(h));
  return http.send({"POST", url, headers, body, kMaxAnswer});
}

AwsCredentialChain::AwsCredentialChain(Environment& env, HttpClient& http) : env_(env), http_(http) {}

std::string AwsCredentialChain::profile_name() const {
  if (auto p = env_.get("AWS_PROFILE")) return *p;
  if (auto p = env_.get("AWS_DEFAULT_PROFILE")) return *p;
  return "default";
}

std::string AwsCredentialChain::config_path() const {
  if (auto p = env_.get("AWS_CONFIG_FILE")) return *p;
  return home_directory(env_) + "/.aws/config";
}

std::string AwsCredentialChain::credentials_path() const {
  if (auto p = env_.get("AWS_SHARED_CREDENTIALS_FILE")) return *p;
  return home_directory(env_) + "/.aws/credentials";
}

const AwsIniFile& AwsCredentialChain::config_file() {
  if (!config_) {
    const std::string path = config_path();
    config_ = parse_aws_ini(env_.read_file(path).value_or(""), path);
  }
  return *config_;
}

const AwsIniFile& AwsCredentialChain::credentials_file() {
  if (!credentials_) {
    const std::string path = credentials_path();
    credentials_ = parse_aws_ini(env_.read_file(path).value_or(""), path);
  }
  return *credentials_;
}

std::optional<std::string> aws_region(const Environment& env) {
  if (auto r = env.get("AWS_REGION")) return r;
  if (auto r = env.get("AWS_DEFAULT_REGION")) return r;
  const std::string path = env.get("AWS_CONFIG_FILE").value_or(home_directory(env) + "/.aws/config");
  const AwsIniFile file = parse_aws_ini(env.read_file(path).value_or(""), path);
  const std::string profile = env.get("AWS_PROFILE").value_or(env.get("AWS_DEFAULT_PROFILE").value_or("default"));
  if (auto p = aws_profile(file, profile, true); p && p->count("region")) return p->at("region");
  return std::nullopt;
}

std::optional<std::string> AwsCredentialChain::region() { return aws_region(env_); }

std::string AwsCredentialChain::sts_region() { return region().value_or("us-east-1"); }

std::string AwsCredentialChain::sts_url() {
  const std::string r = sts_region();
  const std::string suffix = r.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return aws_endpoint_url(env_, "STS", "https://sts." + r + "." + suffix);
}

AwsCredentials AwsCredentialChain::resolve() {
  if (auto c = from_environment()) return *c;
  if (auto c = from_profile(profile_name(), 0)) return *c;
  if (auto file = env_.get("AWS_WEB_IDENTITY_TOKEN_FILE")) {
    const auto role = env_.get("AWS_ROLE_ARN");
    if (!role) throw Error("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    if (auto c = from_web_identity(*file, *role, env_.get("AWS_ROLE_SESSION_NAME").value_or(""), "environment"))
      return *c;
  }
  if (auto c = from_container()) return *c;
  if (auto c = from_imds()) return *c;
  throw Error(fmt::format(
      "no AWS credentials found: looked at AWS_ACCESS_KEY_ID, profile \"{}\" in {} and {}, "
      "AWS_WEB_IDENTITY_TOKEN_FILE, container credentials and EC2 instance metadata",
      profile_name(), credentials_path(), config_path()));
}

std::optional<AwsCredentials> AwsCredentialChain::from_environment() {
  const auto key = env_.get("AWS_ACCESS_KEY_ID");
  const auto secret = env_.get("AWS_SECRET_ACCESS_KEY");
  if (!key && !secret) return std::nullopt;
  if (!key || !secret)
    throw Error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only one of them is)");
  AwsCredentials c{*key, *secret, env_.get("AWS_SESSION_TOKEN").value_or(""), std::nullopt, "environment"};
  if (c.session_token.empty()) c.session_token = env_.get("AWS_SECURITY_TOKEN").value_or("");
  return c;
}

std::optional<AwsCredentials> AwsCredentialChain::from_profile(const std::string& name, int depth) {
  if (depth > kMaxRoleChain) throw Error(fmt::format("AWS profile \"{}\": source_profile chain too long", name));
  const auto creds_section = aws_profile(credentials_file(), name, false);
  const auto config_section = aws_profile(config_file(), name, true);
  if (!creds_section && !config_section) {
    const bool explicit_profile = depth > 0 || env_.get("AWS_PROFILE") || env_.get("AWS_DEFAULT_PROFILE");
    if (explicit_profile)
      throw Error(fmt::format("AWS profile \"{}\" is in neither {} nor {}", name, credentials_path(), config_path()));
    return std::nullopt;
  }
  // Settings of a profile may be in either file; the credentials file wins.
  AwsIniSection merged = config_section.value_or(AwsIniSection{});
  if (creds_section)
    for (const auto& [k, v] : *creds_section) merged[k] = v;
  const std::string where = "profile " + name;

  // A source_profile that holds keys is used for them, even when it also names a role (as botocore does).
  const bool assumes_role = merged.count("role_arn") && (depth == 0 || !merged.count("aws_access_key_id"));
  if (assumes_role) {
    if (merged.count("web_identity_token_file"))
      return from_web_identity(merged["web_identity_token_file"], merged["role_arn"],
                               merged.count("role_session_name") ? merged["role_session_name"] : "", where);
    AwsCredentials source;
    if (merged.count("source_profile")) {
      const std::string& src = merged["source_profile"];
      auto c = src == name ? std::optional<AwsCredentials>() : from_profile(src, depth + 1);
      if (src == name) {  // a profile may hold both the keys and the role to assume with them
        if (!merged.count("aws_access_key_id"))
          throw Error(fmt::format("AWS profile \"{}\" is its own source_profile but has no keys", name));
        c = AwsCredentials{merged["aws_access_key_id"], merged["aws_secret_access_key"],
                           merged.count("aws_session_token") ? merged["aws_session_token"] : "", std::nullopt, where};
      }
      if (!c) throw Error(fmt::format("AWS profile \"{}\" (source_profile of \"{}\") has no credentials", src, name));
      source = *c;
    } else if (merged.count("credential_source")) {
      const std::string& cs = merged["credential_source"];
      std::optional<AwsCredentials> c;
      if (cs == "Environment") c = from_environment();
      else if (cs == "Ec2InstanceMetadata") c = from_imds();
      else if (cs == "EcsContainer") c = from_container();
      else throw Error(fmt::format("AWS profile \"{}\": unknown credential_source \"{}\"", name, cs));
      if (!c) throw Error(fmt::format("AWS profile \"{}\": credential_source {} has no credentials", name, cs));
      source = *c;
    } else {
      throw Error(fmt::format("AWS profile \"{}\" has role_arn but neither source_profile nor credential_source", name));
    }
    return assume_role(source, merged, name);
  }
  if (merged.count("sso_session") || merged.count("sso_start_url")) return from_sso(merged, name);
  if (creds_section && creds_section->count("aws_access_key_id")) {
    const auto& s = *creds_section;
    if (!s.count("aws_secret_access_key"))
      throw Error(fmt::format("AWS profile \"{}\" in {} has aws_access_key_id but no aws_secret_access_key", name,
                              credentials_path()));
    return AwsCredentials{s.at("aws_access_key_id"), s.at("aws_secret_access_key"),
                          s.count("aws_session_token") ? s.at("aws_session_token") : "", std::nullopt, where};
  }
  if (merged.count("credential_process")) return from_process(merged["credential_process"], name);
  if (config_section && config_section->count("aws_access_key_id")) {
    const auto& s = *config_section;
    if (!s.count("aws_secret_access_key"))
      throw Error(fmt::format("AWS profile \"{}\" in {} has aws_access_key_id but no aws_secret_access_key", name,
                              config_path()));
    return AwsCredentials{s.at("aws_access_key_id"), s.at("aws_secret_access_key"),
                          s.count("aws_session_token") ? s.at("aws_session_token") : "", std::nullopt, where};
  }
  return std::nullopt;
}

// IAM Identity Center (SSO) profiles, as the AWS CLI reads them: `aws sso login` caches an access token
// in ~/.aws/sso/cache/<SHA-1 of the sso-session name, or of the start URL for a legacy profile>.json,
// which GetRoleCredentials exchanges for the role's keys. oci-push never logs in itself.
AwsCredentials AwsCredentialChain::from_sso(const AwsIniSection& profile, const std::string& name) {
  auto setting = [&](const AwsIniSection& section, const char* key, const std::string& where) {
    auto it = section.find(key);
    if (it == section.end() || it->second.empty())
      throw Error(fmt::format("{} has no {} (needed for SSO)", where, key));
    return it->second;
  };
  const std::string where = fmt::format("AWS profile \"{}\"", name);
  std::string cache_key, region;
  if (profile.count("sso_session")) {
    const std::string& session = profile.at("sso_session");
    auto it = config_file().find("sso-session " + session);
    if (it == config_file().end())
      throw Error(fmt::format("{} names sso-session \"{}\", which is not in {}", where, session, config_path()));
    region = setting(it->second, "sso_region", fmt::format("sso-session \"{}\"", session));
    cache_key = session;
  } else {
    region = setting(profile, "sso_region", where);
    cache_key = profile.at("sso_start_url");
  }
  const std::string account = setting(profile, "sso_account_id", where);
  const std::string role = setting(profile, "sso_role_name", where);

  const std::string cache = home_directory(env_) + "/.aws/sso/cache/" + sha1_hex(cache_key) + ".json";
  const std::string login = fmt::format("run `aws sso login --profile {}`", name);
  const auto text = env_.read_file(cache, kMaxAnswer);
  if (!text) throw Error(fmt::format("{} uses SSO, but there is no SSO login cached in {}: {}", where, cache, login));
  const json cached = parse_json_answer(*text, cache);
  const std::string token = string_field(cached, "accessToken");
  std::string expires = string_field(cached, "expiresAt");
  if (expires.size() > 3 && expires.ends_with("UTC")) expires.replace(expires.size() - 3, 3, "Z");  // older CLIs
  const auto expires_at = parse_iso8601(expires);
  if (token.empty() || !expires_at) throw Error(fmt::format("{}: {} holds no accessToken and expiresAt", where, cache));
  if (*expires_at <= env_.now()) throw Error(fmt::format("{}: the SSO login cached in {} has expired: {}", where, cache, login));

  const std::string base = aws_endpoint_url(env_, "SSO", "https://portal.sso." + region + ".amazonaws.com");
  split_secret_url(base, "an SSO token");
  const std::string url =
      base + "/federation/credentials?" + form_encode({{"account_id", account}, {"role_name", role}});
  const auto response = http_.send({"GET", url, {{"x-amz-sso_bearer_token", token}}, {}, kMaxAnswer});
  const std::string what = fmt::format("SSO GetRoleCredentials for {} (role {} in {})", where, role, account);
  if (response.status != 200)
    throw Error(fmt::format("{} failed: {}{}", what, describe_aws_error(response),
                            response.status == 401 || response.status == 403 ? "; " + login : ""));
  const json answer = parse_json_answer(response.body, what);
  auto rc = answer.find("roleCredentials");
  if (rc == answer.end() || !rc->is_object()) throw Error(what + " answered without roleCredentials");
  AwsCredentials c;
  c.access_key_id = string_field(*rc, "accessKeyId");
  c.secret_access_key = string_field(*rc, "secretAccessKey");
  c.session_token = string_field(*rc, "sessionToken");
  c.source = "SSO " + where;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw Error(what + " answered without accessKeyId and secretAccessKey");
  if (auto e = rc->find("expiration"); e != rc->end() && e->is_number_integer()) c.expires_at = e->get<int64_t>() / 1000;
  return c;
}

AwsCredentials AwsCredentialChain::from_process(const std::string& command, const std::string& profile) {
  const auto argv = split_command(command);
  if (argv.empty()) throw Error(fmt::format("AWS profile \"{}\": credential_process is empty", profile));
  const std::string what = fmt::format("credential_process of AWS profile \"{}\" ({})", profile, argv[0]);
  const ProcessResult r = env_.run(argv, "");
  if (r.exit_status != 0) {
    std::string err = trim(r.err.substr(0, 300));
    for (char& c : err)
      if (c == '\n') c = ' ';
    throw Error(fmt::format("{} failed with exit status {}{}", what, r.exit_status, err.empty() ? "" : ": " + err));
  }
  const json j = parse_json_answer(r.out, what);
  if (!j.contains("Version") || j["Version"] != 1) throw Error(what + " answered without \"Version\": 1");
  return credentials_from_json(j, what, "SessionToken");
}

AwsCredentials AwsCredentialChain::parse_sts_credentials(const HttpResponse& response, const std::string& what) {
  if (response.status != 200) throw Error(fmt::format("{} failed: {}", what, describe_aws_error(response)));
  const auto block = xml_element(response.body, "Credentials");
  if (!block) throw Error(what + ": STS answered without Credentials");
  AwsCredentials c;
  c.access_key_id = xml_element(*block, "AccessKeyId").value_or("");
  c.secret_access_key = xml_element(*block, "SecretAccessKey").value_or("");
  c.session_token = xml_element(*block, "SessionToken").value_or("");
  c.expires_at = parse_iso8601(xml_element(*block, "Expiration").value_or(""));
  c.source = what;
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty())
    throw Error(what + ": STS answered with incomplete Credentials");
  return c;
}

AwsCredentials AwsCredentialChain::assume_role(const AwsCredentials& source, const AwsIniSection& profile,
                                               const std::string& name) {
  const std::string role = profile.at("role_arn");
  std::vector<std::pair<std::string, std::string>> fields{
      {"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleArn", role},
      {"RoleSessionName", profile.count("role_session_name") ? profile.at("role_session_name")
                                                              : "oci-push-" + std::to_string(env_.now())}};
  if (profile.count("external_id")) fields.emplace_back("ExternalId", profile.at("external_id"));
  if (profile.count("duration_seconds")) fields.emplace_back("DurationSeconds", profile.at("duration_seconds"));
  const std::string body = form_encode(fields);
  const auto response =
      send_signed(http_, env_, source, sts_region(), "sts", sts_url(),
                  {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body);
  return parse_sts_credentials(response, fmt::format("STS AssumeRole of {} (AWS profile \"{}\")", role, name));
}

std::optional<AwsCredentials> AwsCredentialChain::from_web_identity(const std::string& token_file,
                                                                    const std::string& role_arn,
                                                                    const std::string& session_name,
                                                                    const std::string& where) {
  const auto token = env_.read_file(token_file);
  if (!token) throw Error(fmt::format("web identity token file {} ({}) does not exist", token_file, where));
  const std::string body = form_encode({{"Action", "AssumeRoleWithWebIdentity"},
                                        {"Version", "2011-06-15"},
                                        {"RoleArn", role_arn},
                                        {"RoleSessionName", session_name.empty()
                                                                ? "oci-push-" + std::to_string(env_.now())
                                                                : session_name},
                                        {"WebIdentityToken", trim(*token)}});
  const std::string url = sts_url();
  split_secret_url(url, "a web identity token");
  // AssumeRoleWithWebIdentity is not signed: the token is the proof.
  const auto response = http_.send(
      {"POST", url, {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body, kMaxAnswer});
  return parse_sts_credentials(response, fmt::format("STS AssumeRoleWithWebIdentity of {} ({})", role_arn, where));
}

std::optional<AwsCredentials> AwsCredentialChain::from_container() {
  std::string url;
  if (auto rel = env_.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *rel;
  } else if (auto full = env_.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
    const UrlParts parts = split_url(url);
    const std::string host = host_without_port(parts.host);
    const bool allowed = parts.scheme == "https" || is_loopback_registry(parts.host) || host == "169.254.170.2" ||
                         host == "169.254.170.23" || host == "fd00:ec2::23";
    if (!allowed)
      throw Error(fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI {} is plain HTTP to a host that is not loopback "
                              "or the ECS/EKS agent; refusing",
                              parts.host));
  } else {
    return std::nullopt;
  }
  std::vector<HttpHeader> headers{{"Accept", "application/json"}};
  std::string token;
  if (auto file = env_.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    auto text = env_.read_file(*file);
    if (!text) throw Error(fmt::format("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {} does not exist", *file));
    token = trim(*text);
  } else if (auto t = env_.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    token = *t;
  }
  if (token.find_first_of("\r\n") != std::string::npos)
    throw Error("the container authorization token holds a line break");
  if (!token.empty()) headers.push_back({"Authorization", token});
  const std::string what = "container credentials endpoint " + split_url(url).host;
  const auto response = http_.send({"GET", url, headers, {}, kMaxAnswer});
  if (response.status != 200)
    throw Error(fmt::format("{} refused: HTTP {}", what, response.status));
  return credentials_from_json(parse_json_answer(response.body, what), what, "Token");
}

namespace {

// The AWS CLI's limits on EC2 instance metadata: each request may take AWS_METADATA_SERVICE_TIMEOUT
// seconds (default 1), the first one AWS_METADATA_SERVICE_NUM_ATTEMPTS tries (default 1). Off EC2 the
// address often swallows packets, and the chain must not sit out a 30 s connect timeout there before
// saying that there are no credentials.
struct MetadataLimits {
  std::chrono::milliseconds deadline{1000};
  int attempts = 1;
};

int positive_setting(Environment& env, const char* name, int fallback) {
  auto value = env.get(name);
  if (!value) return fallback;
  const std::string text = trim(*value);
  const int n = !text.empty() && text.size() <= 4 && std::all_of(text.begin(), text.end(), ::isdigit) ? std::stoi(text) : 0;
  if (n == 0) throw Error(fmt::format("{}=\"{}\" is not a whole number from 1 to 9999", name, *value));
  return n;
}

MetadataLimits metadata_limits(Environment& env) {
  return {std::chrono::seconds(positive_setting(env, "AWS_METADATA_SERVICE_TIMEOUT", 1)),
          positive_setting(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1)};
}

}  // namespace

std::optional<AwsCredentials> AwsCredentialChain::from_imds() {
  if (is_true(env_.get("AWS_EC2_METADATA_DISABLED"))) return std::nullopt;
  std::string base = env_.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (!base.empty() && base.back() == '/') base.pop_back();
  const MetadataLimits limits = metadata_limits(env_);
  HttpResponse token;
  for (int attempt = 1;; ++attempt) {
    try {
      token = http_.send({"PUT", base + "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, {},
                          64 << 10, limits.deadline});
      break;
    } catch (const NetworkError&) {
      if (attempt >= limits.attempts) return std::nullopt;  // not on EC2
    }
  }
  if (token.status != 200) throw Error(fmt::format("EC2 instance metadata refused a session token: HTTP {}", token.status));
  const std::vector<HttpHeader> auth{{"X-aws-ec2-metadata-token", trim(token.body)}};
  const std::string list_url = base + "/latest/meta-data/iam/security-credentials/";
  const auto roles = http_.send({"GET", list_url, auth, {}, 64 << 10, limits.deadline});
  if (roles.status == 404) return std::nullopt;  // an instance without a role
  if (roles.status != 200) throw Error(fmt::format("EC2 instance metadata: listing roles: HTTP {}", roles.status));
  const std::string role = trim(roles.body.substr(0, roles.body.find('\n')));
  if (role.empty() || role.find('/') != std::string::npos) return std::nullopt;
  const auto creds = http_.send({"GET", list_url + role, auth, {}, 64 << 10, limits.deadline});
  const std::string what = "EC2 instance metadata (role " + role + ")";
  if (creds.status != 200) throw Error(fmt::format("{}: HTTP {}", what, creds.status));
  const json j = parse_json_answer(creds.body, what);
  if (auto code = string_field(j, "Code"); !code.empty() && code != "Success")
    throw Error(fmt::format("{}: {}", what, code));
  return credentials_from_json(j, what, "Token");
}

}  // namespace ocipush
