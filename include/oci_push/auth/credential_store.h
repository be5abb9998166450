// Where registry credentials live: docker's config.json ($DOCKER_CONFIG, else ~/.docker) with its
// credential helpers, and podman/skopeo's auth.json.
#pragma once
#include <optional>
#include <string>

#include "oci_push/auth/docker_config.h"
#include "oci_push/util/environment.h"

namespace ocipush {

std::string docker_config_path(const Environment& env);

// In order: $REGISTRY_AUTH_FILE; config.json (credHelpers, credsStore, then "auths");
// $XDG_RUNTIME_DIR/containers/auth.json; ~/.config/containers/auth.json. nullopt when none has any.
std::optional<Credentials> find_stored_credentials(const std::string& registry, Environment& env);
std::optional<Credentials> find_stored_credentials(const std::string& registry);

// What `docker login` does after checking them: into the credential helper config.json names for the
// registry, else into config.json's "auths" (file mode 0600). Returns where they went, for a message.
std::string store_login(const std::string& registry, const std::string& username, const std::string& password,
                        Environment& env);

}  // namespace ocipush
