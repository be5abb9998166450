#include "oci_push/auth/docker_config.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "oci_push/util/ascii.h"
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

using nlohmann::json;

// "https://host:5000/v1/" -> "host:5000", the way docker's ConvertToHostname does.
std::string key_host(std::string_view key) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key.remove_prefix(scheme.size());
      break;
    }
  }
  return ascii_lower(key.substr(0, key.find('/')));
}

// Docker Hub goes by several names; credentials saved under any of them serve all.
std::string canonical_host(std::string host) {
  if (host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
  return host;
}

// Keys for `registry`, best first: the exact key, docker's own key for Docker Hub, then any host match.
std::vector<std::string> matching_keys(const json& auths, std::string_view registry) {
  const std::string wanted = canonical_host(key_host(registry));
  std::vector<std::string> exact, hub, others;
  for (const auto& [key, value] : auths.items()) {
    if (canonical_host(key_host(key)) != wanted) continue;
    if (key == registry) {
      exact.push_back(key);
    } else if (key == "https://index.docker.io/v1/") {
      hub.push_back(key);
    } else {
      others.push_back(key);
    }
  }
  exact.insert(exact.end(), hub.begin(), hub.end());
  exact.insert(exact.end(), others.begin(), others.end());
  return exact;
}

class EntryReader {
 public:
  EntryReader(std::string_view source, const std::string& key) : source_(source), key_(key) {}

  Credentials read(const json& entry) const {
    if (!entry.is_object()) fail("is not an object");
    Credentials creds;
    const std::string auth = string_field(entry, "auth");
    if (!auth.empty()) {
      std::tie(creds.username, creds.password) = decode_auth(auth);
    } else {
      creds.username = string_field(entry, "username");
      creds.password = string_field(entry, "password");
    }
    creds.identity_token = string_field(entry, "identitytoken");
    creds.registry_token = string_field(entry, "registrytoken");
    return creds;
  }

 private:
  [[noreturn]] void fail(std::string_view why) const {
    throw Error(fmt::format("{}: the \"auths\" entry {} {}", source_, in_quotes(key_), why));
  }

  std::string string_field(const json& entry, const char* field) const {
    const auto it = entry.find(field);
    if (it == entry.end() || it->is_null()) return {};
    if (!it->is_string()) fail(fmt::format("has a {} that is not a string", in_quotes(field)));
    return it->get<std::string>();
  }

  std::pair<std::string, std::string> decode_auth(const std::string& auth) const {
    // Never echo the value itself: it is a password.
    const auto decoded = base64_decode(auth);
    if (!decoded) fail("has an \"auth\" that is not valid base64");
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos) fail("has an \"auth\" that does not decode to user:password");
    return {decoded->substr(0, colon), decoded->substr(colon + 1)};
  }

  std::string_view source_;
  const std::string& key_;
};

json parse_json(std::string_view text, std::string_view source_name) {
  if (!json_depth_within(text))
    throw Error(fmt::format("{}: invalid JSON: nested deeper than {} levels", source_name, kMaxJsonDepth));
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", source_name, e.what()));
  }
}

json parse_config(std::string_view text, std::string_view source_name) {
  json config = parse_json(text, source_name);
  if (!config.is_object()) throw Error(fmt::format("{}: invalid config: the top level is not an object", source_name));
  return config;
}

const json* object_field(const json& config, const char* field, std::string_view source_name) {
  const auto it = config.find(field);
  if (it == config.end() || it->is_null()) return nullptr;
  if (!it->is_object())
    throw Error(fmt::format("{}: invalid config: {} is not an object", source_name, in_quotes(field)));
  return &*it;
}

}  // namespace

std::optional<Credentials> lookup_docker_config(std::string_view config_json, std::string_view registry,
                                                std::string_view source_name) {
  const json config = parse_config(config_json, source_name);
  const json* auths = object_field(config, "auths", source_name);
  if (!auths) return std::nullopt;

  // An entry with nothing in it (docker writes these when a credential helper holds the secret) is
  // skipped so that another key for the same host can still supply credentials.
  for (const auto& key : matching_keys(*auths, registry)) {
    Credentials creds = EntryReader(source_name, key).read(auths->at(key));
    if (!creds.empty()) return creds;
  }
  return std::nullopt;
}

std::string credential_helper_for(std::string_view config_json, std::string_view registry,
                                  std::string_view source_name) {
  const json config = parse_config(config_json, source_name);
  if (const json* helpers = object_field(config, "credHelpers", source_name)) {
    for (const auto& key : matching_keys(*helpers, registry)) {
      const json& name = helpers->at(key);
      if (!name.is_string())
        throw Error(fmt::format("{}: the \"credHelpers\" entry {} is not a string", source_name, in_quotes(key)));
      if (!name.get<std::string>().empty()) return name.get<std::string>();
    }
  }
  const auto store = config.find("credsStore");
  if (store == config.end() || store->is_null()) return {};
  if (!store->is_string()) throw Error(fmt::format("{}: invalid config: \"credsStore\" is not a string", source_name));
  return store->get<std::string>();
}

std::string docker_config_with_login(std::string_view config_json, std::string_view registry,
                                     const std::string& username, const std::string& password,
                                     std::string_view source_name) {
  json config = config_json.find_first_not_of(" \t\r\n") == std::string_view::npos
                    ? json::object()
                    : parse_config(config_json, source_name);
  if (!object_field(config, "auths", source_name)) config["auths"] = json::object();
  // One entry per host: an old key for the same host ("https://host/v1/") would shadow the new one.
  const std::string host = canonical_host(key_host(registry));
  std::vector<std::string> stale;
  for (const auto& [key, value] : config["auths"].items())
    if (canonical_host(key_host(key)) == host) stale.push_back(key);
  for (const auto& key : stale) config["auths"].erase(key);
  const std::string key = host == "docker.io" ? "https://index.docker.io/v1/" : std::string(registry);
  config["auths"][key] = {{"auth", base64_encode(username + ":" + password)}};
  return config.dump(1, '\t') + "\n";
}

}  // namespace ocipush
