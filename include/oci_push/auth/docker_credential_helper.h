// docker credential helpers (docker-credential-<name> get/store), the protocol docker speaks to them.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/auth/docker_config.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// The server URL docker hands a helper for `registry` ("https://index.docker.io/v1/" for Docker Hub).
std::string helper_server_url(std::string_view registry);

// A helper's `get` answer: {"ServerURL","Username","Secret"}; Username "<token>" makes Secret an
// identity token. Pure; throws Error naming `helper` when it is not that JSON.
Credentials parse_helper_answer(std::string_view json_text, const std::string& helper);

// Runs `docker-credential-<helper> get` with the server URL on stdin. nullopt when the helper has
// nothing for it; Error when it cannot be run or fails otherwise (its message, never a secret, is kept).
std::optional<Credentials> helper_get(Environment& env, const std::string& helper, std::string_view registry);

// `docker-credential-<helper> store` with {"ServerURL","Username","Secret"} on stdin.
void helper_store(Environment& env, const std::string& helper, std::string_view registry, const std::string& username,
                  const std::string& secret);

}  // namespace ocipush
