#include "oci_push/registry/registry_auth.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "oci_push/model/reference.h"
#include "oci_push/registry/registry_client.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/percent_encode.h"

namespace ocipush {
namespace {

constexpr size_t kMaxTokenResponse = 1 << 20;
constexpr int kMaxCredentialRefreshes = 2;
constexpr const char* kClientId = "oci-push";

std::string host_of(std::string_view url) {
  const std::string origin = url_origin(url);
  const size_t sep = origin.find("://");
  return sep == std::string::npos ? std::string() : origin.substr(sep + 3);
}

std::string scope_key(const std::vector<std::string>& scopes) {
  std::string key;
  for (const auto& s : scopes) key += (key.empty() ? "" : " ") + s;
  return key;
}

std::string basic(const Credentials& c) { return "Basic " + base64_encode(c.username + ":" + c.password); }

bool has_password(const std::optional<Credentials>& c) { return c && (!c->username.empty() || !c->password.empty()); }

}  // namespace

std::vector<std::string> challenge_extra_scopes(const AuthChallenge& challenge) {
  std::vector<std::string> out;
  const auto it = challenge.params.find("scope");
  if (it == challenge.params.end()) return out;
  size_t start = 0;
  const std::string& text = it->second;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string scope = text.substr(start, end - start);
    if (!scope.empty() && !scope.starts_with("repository:")) out.push_back(scope);
    start = end + 1;
  }
  return out;
}

std::string token_request_url(const AuthChallenge& challenge, const std::vector<std::string>& scopes) {
  std::string url = challenge.params.at("realm");
  auto add = [&](const std::string& param) { url += (url.find('?') == std::string::npos ? "?" : "&") + param; };
  if (auto service = challenge.params.find("service"); service != challenge.params.end())
    add("service=" + percent_encode(service->second, false));
  for (const auto& scope : scopes) add("scope=" + percent_encode(scope, false));
  return url;
}

std::string refresh_token_form(const AuthChallenge& challenge, const std::vector<std::string>& scopes,
                               const std::string& refresh_token) {
  std::string body = "grant_type=refresh_token&refresh_token=" + percent_encode(refresh_token, false);
  if (auto service = challenge.params.find("service"); service != challenge.params.end())
    body += "&service=" + percent_encode(service->second, false);
  if (!scopes.empty()) body += "&scope=" + percent_encode(scope_key(scopes), false);
  return body + "&client_id=" + kClientId;
}

// A longer expires_in is capped: `now + lifetime` must not overflow the clock's nanoseconds.
constexpr int64_t kMaxTokenLifetime = 24 * 3600;

BearerToken parse_token_answer(std::string_view body, const std::string& server) {
  const auto j = parse_json_bounded(body);
  BearerToken t;
  if (j.is_object()) {
    if (j.contains("token") && j["token"].is_string()) t.token = j["token"].get<std::string>();
    if (t.token.empty() && j.contains("access_token") && j["access_token"].is_string())
      t.token = j["access_token"].get<std::string>();
    if (j.contains("refresh_token") && j["refresh_token"].is_string())
      t.refresh_token = j["refresh_token"].get<std::string>();
    if (j.contains("expires_in") && j["expires_in"].is_number_integer() && j["expires_in"].get<int64_t>() > 0)
      t.lifetime = std::chrono::seconds(std::min<int64_t>(j["expires_in"].get<int64_t>(), kMaxTokenLifetime));
  }
  if (t.token.empty()) throw Error("token server " + server + " answered without a token");
  return t;
}

RegistryAuth::RegistryAuth(HttpClient& http, std::string registry_host, std::optional<Credentials> credentials)
    : http_(http), host_(std::move(registry_host)), credentials_(std::move(credentials)) {
  if (credentials_) refresh_token_ = credentials_->identity_token;
}

bool RegistryAuth::learn_challenge(const HttpResponse& unauthorized) {
  std::lock_guard lock(mutex_);
  std::optional<AuthChallenge> found;
  for (const auto& header : unauthorized.all_headers("www-authenticate"))
    for (auto& c : parse_www_authenticate(header))
      if (c.scheme == "bearer" || (c.scheme == "basic" && !found)) found = c;
  if (!found) return false;
  challenge_ = std::move(found);
  return true;
}

bool RegistryAuth::has_challenge() const {
  std::lock_guard lock(mutex_);
  return challenge_.has_value();
}

bool RegistryAuth::has_credentials() const {
  std::lock_guard lock(mutex_);
  return usable_credentials();
}

BearerToken RegistryAuth::fetch_token(const std::vector<std::string>& scopes) {
  const auto realm = challenge_->params.find("realm");
  if (realm == challenge_->params.end() || realm->second.empty())
    throw Error("registry " + host_ + " asked for a Bearer token but named no realm");
  if (!realm->second.starts_with("https://") && !realm->second.starts_with("http://"))
    throw Error("registry " + host_ + " named a token realm that is not http(s): " + realm->second);
  const std::string server = url_origin(realm->second);
  const bool plain_remote = realm->second.starts_with("http://") && !is_loopback_registry(host_of(realm->second));
  HttpResponse response;
  std::string body;
  if (!refresh_token_.empty()) {
    // OAuth2: the refresh token (docker's identitytoken) buys an access token for these scopes.
    if (plain_remote) throw Error("refusing to send a refresh token over plain HTTP to token server " + server);
    body = refresh_token_form(*challenge_, scopes, refresh_token_);
    response = http_.send(
        {"POST", realm->second, {{"Content-Type", "application/x-www-form-urlencoded"}}, body, kMaxTokenResponse});
  } else {
    HttpRequest request{"GET", token_request_url(*challenge_, scopes), {}, {}, kMaxTokenResponse};
    if (has_password(credentials_)) {
      if (plain_remote) throw Error("refusing to send credentials over plain HTTP to token server " + server);
      request.headers.push_back({"Authorization", basic(*credentials_)});
    }
    response = http_.send(request);
  }
  if (response.status != 200) {
    std::string hint;
    if (response.status == 401)
      hint = usable_credentials()
                 ? " (credentials rejected)"
                 : " (no credentials: use --username/--password-stdin, oci-push login or a docker config.json)";
    throw Error("token server " + server + " refused a token for " + scope_key(scopes) + " on " + host_ + ": " +
                describe_registry_error(response.status, response.body) + hint);
  }
  BearerToken token = parse_token_answer(response.body, server);
  if (!token.refresh_token.empty()) refresh_token_ = token.refresh_token;
  return token;
}

std::vector<std::string> RegistryAuth::token_scopes(const std::vector<std::string>& scopes) const {
  std::vector<std::string> all = scopes;
  for (auto& extra : challenge_extra_scopes(*challenge_))
    if (std::find(all.begin(), all.end(), extra) == all.end()) all.push_back(extra);
  return all;
}

std::string RegistryAuth::bearer_token(const std::vector<std::string>& scopes) {
  const std::vector<std::string> all = token_scopes(scopes);
  const std::string key = scope_key(all);
  const auto now = std::chrono::steady_clock::now();
  if (auto it = tokens_.find(key); it != tokens_.end() && it->second.expires > now) return it->second.value;
  const BearerToken token = fetch_token(all);
  // Renewed a little early, so a token never expires between our check and the registry's.
  tokens_[key] = {token.token, now + token.lifetime * 9 / 10};
  return token.token;
}

uint64_t RegistryAuth::authorize(HttpRequest& request, const std::vector<std::string>& scopes,
                                 const std::string& registry_origin) {
  // Credentials go only to the registry itself, never to storage a Location pointed at.
  if (host_of(request.url) != host_of(registry_origin)) return 0;
  std::lock_guard lock(mutex_);
  if (!challenge_) return generation_;
  std::string value;
  if (challenge_->scheme == "basic") {
    if (!has_password(credentials_)) return generation_;
    value = basic(*credentials_);
  } else if (credentials_ && !credentials_->registry_token.empty()) {
    value = "Bearer " + credentials_->registry_token;
  } else {
    value = "Bearer " + bearer_token(scopes);
  }
  if (request.url.starts_with("http://") && !is_loopback_registry(host_))
    throw Error("refusing to send credentials over plain HTTP to " + host_ + " (use HTTPS)");
  request.headers.push_back({"Authorization", value});
  return generation_;
}

bool RegistryAuth::refresh_credentials(uint64_t generation) {
  if (generation != generation_) return true;  // another request refreshed them meanwhile
  if (!credentials_ || !credentials_->refresh || refreshes_ >= kMaxCredentialRefreshes) return false;
  ++refreshes_;
  auto refresh = credentials_->refresh;
  Credentials fresh = (*refresh)();
  if (!fresh.refresh) fresh.refresh = refresh;
  credentials_ = std::move(fresh);
  refresh_token_ = credentials_->identity_token;
  tokens_.clear();
  ++generation_;
  return true;
}

bool RegistryAuth::refused(const HttpResponse& response, const std::vector<std::string>& scopes, uint64_t generation) {
  const bool had_challenge = has_challenge();
  const bool new_challenge = learn_challenge(response) && !had_challenge;
  std::lock_guard lock(mutex_);
  if (new_challenge) return true;
  if (refresh_credentials(generation)) return true;
  // A Bearer token the registry no longer takes (expired early, scope changed): fetch it once more.
  if (response.status == 401 && challenge_ && challenge_->scheme == "bearer" &&
      !(credentials_ && !credentials_->registry_token.empty())) {
    tokens_.erase(scope_key(token_scopes(scopes)));
    return true;
  }
  return false;
}

}  // namespace ocipush
