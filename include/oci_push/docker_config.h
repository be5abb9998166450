// Credentials from docker's config.json ("auths"), looked up by registry the way docker does.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ocipush {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // docker's "identitytoken" (an OAuth2 refresh token), when present
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

// Looks `registry` up in the text of a config.json. Keys match by host: "https://host/v1/", "host",
// "http://host" all match "host"; "docker.io" also matches "https://index.docker.io/v1/".
// `auth` is base64("user:password"); "username"/"password" fields are used when `auth` is absent.
// Throws Error naming `source_name` when the JSON or an "auth" value is malformed.
std::optional<Credentials> lookup_docker_config(std::string_view config_json, std::string_view registry,
                                                std::string_view source_name);

}  // namespace ocipush
