// Where credentials live on disk: docker's config.json ($DOCKER_CONFIG, else ~/.docker).
#pragma once
#include <optional>
#include <string>

#include "oci_push/docker_config.h"

namespace ocipush {

// The credentials config.json holds for `registry`; nullopt when there is no file or no entry.
std::optional<Credentials> find_stored_credentials(const std::string& registry);

}  // namespace ocipush
