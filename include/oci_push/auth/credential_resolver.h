// The one place that decides which credentials a registry gets, and prepares a repository before a push.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "oci_push/auth/aws/ecr.h"
#include "oci_push/auth/aws/sigv4.h"
#include "oci_push/auth/docker_config.h"
#include "oci_push/http/http_client.h"
#include "oci_push/util/environment.h"

namespace ocipush {

// AWS credentials found once per run, shared by copies of AuthOptions.
struct AwsCredentialMemo {
  std::mutex mutex;
  std::optional<AwsCredentials> credentials;
};

struct AuthOptions {
  std::optional<Credentials> credentials;  // --username/--password-stdin: wins over everything else
  std::string ecr_region;                  // --ecr-region: ECR in this region, whatever the registry's name
  std::string ecr_registry_id;             // --ecr-registry-id: its 12-digit account
  bool ecr_public = false;                 // --ecr-public: ECR Public behind another name
  bool create_repository = false;          // --create-repository
  std::string repository_policy_file;      // --repository-policy FILE
  Environment* environment = nullptr;      // null: the process's own (tests pass a fake)
  std::shared_ptr<AwsCredentialMemo> aws = std::make_shared<AwsCredentialMemo>();
};

// The ECR registry that `registry` is, by its name or by the options; nullopt for any other registry.
std::optional<EcrRegistry> ecr_registry_for(const std::string& registry, const AuthOptions& options);

// An ECR token: AWS credentials from the chain, then the on-disk cache (unless `force_new`) or
// GetAuthorizationToken, whose answer is cached.
EcrAuthorization ecr_login(const EcrRegistry& ecr, const AuthOptions& options, HttpClient& http,
                           bool force_new = false);

// Credentials for `registry` (as the user wrote it): the command line; for ECR the built-in login
// (refreshed by itself after a 401/403); else config.json (helpers, auths) and auth.json.
std::optional<Credentials> resolve_credentials(const std::string& registry, const AuthOptions& options,
                                               HttpClient& http);

// Called before blobs go to `repository`. For ECR: --create-repository (CreateRepository),
// --repository-policy (SetRepositoryPolicy), else one clear line when the repository does not exist.
void prepare_repository(const std::string& registry, const std::string& repository, const AuthOptions& options,
                        HttpClient& http);

}  // namespace ocipush
