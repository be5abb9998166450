#include "oci_push/auth/aws/sso_credentials.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/auth/aws/aws_api.h"
#include "oci_push/model/digest.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

using nlohmann::json;

// Where the login is cached and which role of which account it is exchanged for.
struct SsoSettings {
  std::string cache_key;
  std::string region;
  std::string account;
  std::string role;
};

std::string sso_setting(const AwsIniSection& section, const char* key, const std::string& where) {
  auto it = section.find(key);
  if (it == section.end() || it->second.empty()) throw Error(fmt::format("{} has no {} (needed for SSO)", where, key));
  return it->second;
}

SsoSettings read_sso_settings(const AwsIniSection& profile, const std::string& where, const AwsIniFile& config,
                              const std::string& config_path) {
  SsoSettings s;
  if (profile.count("sso_session")) {
    const std::string& session = profile.at("sso_session");
    auto it = config.find("sso-session " + session);
    if (it == config.end())
      throw Error(fmt::format("{} names sso-session {}, which is not in {}", where, in_quotes(session), config_path));
    s.region = sso_setting(it->second, "sso_region", fmt::format("sso-session {}", in_quotes(session)));
    s.cache_key = session;
  } else {
    s.region = sso_setting(profile, "sso_region", where);
    s.cache_key = profile.at("sso_start_url");
  }
  s.account = sso_setting(profile, "sso_account_id", where);
  s.role = sso_setting(profile, "sso_role_name", where);
  return s;
}

// The access token `aws sso login` cached, refused when it is missing or has expired (`login` says how to
// renew it). The CLI names the file by the SHA-1 of the sso-session name, or of the start URL for a legacy
// profile, and so must we to find it. oci-push never logs in itself.
std::string cached_sso_token(const Environment& env, const std::string& cache_key, const std::string& where,
                             const std::string& login) {
  const std::string cache = home_directory(env) + "/.aws/sso/cache/" + sha1_hex(cache_key) + ".json";
  const auto text = env.read_file(cache, kMaxAwsAnswer);
  if (!text) throw Error(fmt::format("{} uses SSO, but there is no SSO login cached in {}: {}", where, cache, login));
  const json cached = parse_json_answer(*text, cache);
  const std::string token = json_string_field(cached, "accessToken");
  std::string expires = json_string_field(cached, "expiresAt");
  if (expires.size() > 3 && expires.ends_with("UTC")) expires.replace(expires.size() - 3, 3, "Z");  // older CLIs
  const auto expires_at = parse_iso8601(expires);
  if (token.empty() || !expires_at) throw Error(fmt::format("{}: {} holds no accessToken and expiresAt", where, cache));
  if (*expires_at <= env.now())
    throw Error(fmt::format("{}: the SSO login cached in {} has expired: {}", where, cache, login));
  return token;
}

AwsCredentials parse_role_credentials(const HttpResponse& response, const std::string& what, const std::string& where) {
  const json answer = parse_json_answer(response.body, what);
  auto rc = answer.find("roleCredentials");
  if (rc == answer.end() || !rc->is_object()) throw Error(what + " answered without roleCredentials");
  AwsCredentials c;
  c.access_key_id = json_string_field(*rc, "accessKeyId");
  c.secret_access_key = json_string_field(*rc, "secretAccessKey");
  c.session_token = json_string_field(*rc, "sessionToken");
  c.source = "SSO " + where;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw Error(what + " answered without accessKeyId and secretAccessKey");
  if (auto e = rc->find("expiration"); e != rc->end() && e->is_number_integer())
    c.expires_at = e->get<int64_t>() / 1000;
  return c;
}

}  // namespace

AwsCredentials sso_credentials(HttpClient& http, const Environment& env, const AwsIniSection& profile,
                               const std::string& name, const AwsIniFile& config, const std::string& config_path) {
  const std::string where = fmt::format("AWS profile {}", in_quotes(name));
  const SsoSettings sso = read_sso_settings(profile, where, config, config_path);
  const std::string login = fmt::format("run `aws sso login --profile {}`", name);
  const std::string token = cached_sso_token(env, sso.cache_key, where, login);

  const std::string base = aws_endpoint_url(env, "SSO", "https://portal.sso." + sso.region + ".amazonaws.com");
  split_secret_url(base, "an SSO token");
  const std::string url =
      base + "/federation/credentials?" + form_encode({{"account_id", sso.account}, {"role_name", sso.role}});
  const auto response = http.send({"GET", url, {{"x-amz-sso_bearer_token", token}}, {}, kMaxAwsAnswer});
  const std::string what = fmt::format("SSO GetRoleCredentials for {} (role {} in {})", where, sso.role, sso.account);
  if (response.status != 200)
    throw Error(fmt::format("{} failed: {}{}", what, describe_aws_error(response),
                            response.status == 401 || response.status == 403 ? "; " + login : ""));
  return parse_role_credentials(response, what, where);
}

}  // namespace ocipush
