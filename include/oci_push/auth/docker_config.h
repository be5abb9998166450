// Credentials from docker's config.json ("auths"), looked up by registry the way docker does.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/model/credentials.h"

namespace ocipush {

// Looks `registry` up in the text of a config.json. Keys match by host: "https://host/v1/", "host",
// "http://host" all match "host"; "docker.io" also matches "https://index.docker.io/v1/".
// `auth` is base64("user:password"); "username"/"password" fields are used when `auth` is absent.
// Throws Error naming `source_name` when the JSON or an "auth" value is malformed.
std::optional<Credentials> lookup_docker_config(std::string_view config_json, std::string_view registry,
                                                std::string_view source_name);

// The credential helper that holds `registry`'s credentials: credHelpers (matched by host like "auths"),
// else credsStore; "" when none. Throws Error naming `source_name` for malformed JSON.
std::string credential_helper_for(std::string_view config_json, std::string_view registry,
                                  std::string_view source_name);

// The config text after `docker login`: auths[registry] = {"auth": base64(user:password)}, every other
// key kept as it was. `config_json` may be empty (no file yet).
std::string docker_config_with_login(std::string_view config_json, std::string_view registry,
                                     const std::string& username, const std::string& password,
                                     std::string_view source_name);

}  // namespace ocipush
