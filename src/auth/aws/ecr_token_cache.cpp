#include "oci_push/auth/aws/ecr_token_cache.h"

#include <nlohmann/json.hpp>

#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"

namespace ocipush {
namespace {

using nlohmann::json;

json load(Environment& env, const std::string& path) {
  try {
    auto text = env.read_file(path);
    if (!text) return json::object();
    auto j = parse_json_bounded(*text);
    if (j.is_object() && j.contains("tokens") && j["tokens"].is_object()) return j;
  } catch (const Error&) {
    // An unreadable cache is an empty one.
  }
  return json::object();
}

}  // namespace

bool ecr_token_is_fresh(const CachedEcrToken& token, int64_t now) {
  const int64_t lifetime = token.authorization.expires_at - token.issued_at;
  if (lifetime <= 0 || now < token.issued_at) return false;
  return now < token.issued_at + lifetime / 2;
}

std::string ecr_cache_key(const EcrRegistry& registry, const std::string& access_key_id) {
  const std::string id = registry.is_public             ? "public"
                         : registry.registry_id.empty() ? "default"
                                                        : registry.registry_id;
  return registry.region + "/" + id + "/" + hex_sha256(access_key_id);
}

EcrTokenCache::EcrTokenCache(Environment& env) : env_(env) {
  if (auto off = env.get("AWS_ECR_DISABLE_CACHE"); off && *off != "0" && *off != "false") return;
  if (auto xdg = env.get("XDG_CACHE_HOME")) {
    path_ = *xdg + "/oci-push/ecr-tokens.json";
  } else if (auto home = home_directory(env); !home.empty()) {
    path_ = home + "/.cache/oci-push/ecr-tokens.json";
  }
}

std::optional<EcrAuthorization> EcrTokenCache::find(const std::string& key) {
  if (!enabled()) return std::nullopt;
  const json j = load(env_, path_);
  if (!j.contains("tokens") || !j["tokens"].contains(key)) return std::nullopt;
  const json& e = j["tokens"][key];
  if (!e.is_object()) return std::nullopt;
  CachedEcrToken t;
  t.authorization.username = e.value("username", "");
  t.authorization.password = e.value("password", "");
  t.authorization.expires_at = e.value("expiresAt", int64_t{0});
  t.authorization.proxy_endpoint = e.value("proxyEndpoint", "");
  t.issued_at = e.value("issuedAt", int64_t{0});
  if (t.authorization.password.empty() || !ecr_token_is_fresh(t, env_.now())) return std::nullopt;
  return t.authorization;
}

void EcrTokenCache::store(const std::string& key, const EcrAuthorization& authorization) {
  if (!enabled()) return;
  json j = load(env_, path_);
  json tokens = json::object();
  if (j.contains("tokens")) {
    for (auto& [k, v] : j["tokens"].items())
      if (v.is_object() && v.value("expiresAt", int64_t{0}) > env_.now()) tokens[k] = v;
  }
  tokens[key] = {{"username", authorization.username},
                 {"password", authorization.password},
                 {"expiresAt", authorization.expires_at},
                 {"issuedAt", env_.now()},
                 {"proxyEndpoint", authorization.proxy_endpoint}};
  try {
    env_.write_private_file(path_, json{{"tokens", tokens}}.dump(2) + "\n");
  } catch (const Error&) {
    // A cache that cannot be written costs one more GetAuthorizationToken next time, nothing else.
  }
}

}  // namespace ocipush
