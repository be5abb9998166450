// The one place that decides which credentials a registry gets, and prepares a repository before a push.
#pragma once
#include <optional>
#include <string>

#include "oci_push/docker_config.h"
#include "oci_push/http_client.h"

namespace ocipush {

struct AuthOptions {
  std::optional<Credentials> credentials;  // --username/--password-stdin: wins over everything else
};

// Credentials for `registry` (as the user wrote it): the command line, else docker's config.json.
std::optional<Credentials> resolve_credentials(const std::string& registry, const AuthOptions& options,
                                               HttpClient& http);

// Called before blobs go to `repository`: a place for registries that need a repository made first.
void prepare_repository(const std::string& registry, const std::string& repository, const AuthOptions& options,
                        HttpClient& http);

}  // namespace ocipush
