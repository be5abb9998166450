#include "oci_push/auth/credential_resolver.h"

#include <fmt/format.h>

#include "oci_push/auth/aws/aws_credentials.h"
#include "oci_push/auth/aws/ecr_token_cache.h"
#include "oci_push/auth/credential_store.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

constexpr size_t kMaxPolicySize = 10 << 10;  // ECR's own limit for a repository policy

Environment& env_of(const AuthOptions& options) {
  return options.environment ? *options.environment : system_environment();
}

AwsCredentials aws_credentials(const AuthOptions& options, HttpClient& http) {
  std::lock_guard lock(options.aws->mutex);
  if (!options.aws->credentials) options.aws->credentials = AwsCredentialChain(env_of(options), http).resolve();
  return *options.aws->credentials;
}

// ECR Public's API names a repository without the registry alias: public.ecr.aws/ALIAS/NAME.
std::string api_repository_name(const EcrRegistry& ecr, const std::string& repository) {
  if (!ecr.is_public) return repository;
  const size_t slash = repository.find('/');
  return slash == std::string::npos ? repository : repository.substr(slash + 1);
}

std::string describe(const EcrRegistry& ecr, const std::string& registry) {
  if (ecr.is_public) return "ECR Public registry " + registry;
  return ecr.registry_id.empty()
             ? fmt::format("ECR registry {} ({})", registry, ecr.region)
             : fmt::format("ECR registry {} (account {}, {})", registry, ecr.registry_id, ecr.region);
}

}  // namespace

std::optional<EcrRegistry> ecr_registry_for(const std::string& registry, const AuthOptions& options) {
  if (options.ecr_public) {
    EcrRegistry r;
    r.region = "us-east-1";
    r.is_public = true;
    return r;
  }
  if (!options.ecr_region.empty() || !options.ecr_registry_id.empty()) {
    EcrRegistry r;
    auto by_name = parse_ecr_hostname(registry);
    if (by_name && !by_name->is_public) r = *by_name;
    if (!options.ecr_region.empty()) r.region = options.ecr_region;
    if (!options.ecr_registry_id.empty()) r.registry_id = options.ecr_registry_id;
    if (r.region.empty()) r.region = aws_region(env_of(options)).value_or("");
    if (r.region.empty())
      throw UsageError("--ecr-registry-id needs --ecr-region (or AWS_REGION) for a registry named " + registry);
    return r;
  }
  return parse_ecr_hostname(registry);
}

EcrAuthorization ecr_login(const EcrRegistry& ecr, const AuthOptions& options, HttpClient& http, bool force_new) {
  Environment& env = env_of(options);
  const AwsCredentials aws = aws_credentials(options, http);
  EcrTokenCache cache(env);
  const std::string key = ecr_cache_key(ecr, aws.access_key_id);
  if (!force_new)
    if (auto cached = cache.find(key)) return *cached;
  EcrAuthorization token = EcrApi(http, env, aws, ecr).get_authorization_token();
  cache.store(key, token);
  return token;
}

std::optional<Credentials> resolve_credentials(const std::string& registry, const AuthOptions& options,
                                               HttpClient& http) {
  if (options.credentials) return options.credentials;
  Environment& env = env_of(options);
  const auto ecr = ecr_registry_for(registry, options);
  if (!ecr) return find_stored_credentials(registry, env);

  EcrAuthorization token;
  try {
    token = ecr_login(*ecr, options, http);
  } catch (const Error& e) {
    // A registry recognised only by its name may still have credentials stored the docker way.
    const bool explicit_ecr = options.ecr_public || !options.ecr_region.empty() || !options.ecr_registry_id.empty();
    if (!explicit_ecr)
      if (auto stored = find_stored_credentials(registry, env)) return stored;
    throw Error(fmt::format("cannot log in to {}: {}", describe(*ecr, registry), e.what()));
  }
  Credentials creds{token.username, token.password, "", "", nullptr};
  const EcrRegistry ecr_copy = *ecr;
  const AuthOptions options_copy = options;
  creds.refresh = std::make_shared<std::function<Credentials()>>([ecr_copy, options_copy, &http] {
    const EcrAuthorization fresh = ecr_login(ecr_copy, options_copy, http, /*force_new=*/true);
    return Credentials{fresh.username, fresh.password, "", "", nullptr};
  });
  return creds;
}

void prepare_repository(const std::string& registry, const std::string& repository, const AuthOptions& options,
                        HttpClient& http) {
  const auto ecr = ecr_registry_for(registry, options);
  if (!ecr || options.credentials) return;
  Environment& env = env_of(options);
  std::string policy;
  if (!options.repository_policy_file.empty()) {
    auto text = env.read_file(options.repository_policy_file, kMaxPolicySize);
    if (!text) throw Error(options.repository_policy_file + ": --repository-policy: no such file");
    policy = *text;
  }
  EcrApi api(http, env, aws_credentials(options, http), *ecr);
  const std::string name = api_repository_name(*ecr, repository);
  if (options.create_repository) {
    api.create_repository(name);
  } else if (!ecr->is_public && !api.repository_exists(name)) {
    throw Error(fmt::format("repository {} does not exist in {}: add --create-repository, or create it with "
                            "`aws ecr create-repository --repository-name {} --region {}`",
                            name, describe(*ecr, registry), name, ecr->region));
  }
  if (!policy.empty()) api.set_repository_policy(name, policy);
}

}  // namespace ocipush
