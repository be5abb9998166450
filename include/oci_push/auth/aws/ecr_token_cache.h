// ECR tokens kept on disk between runs ($XDG_CACHE_HOME/oci-push/ecr-tokens.json, mode 0600).
#pragma once
#include <optional>
#include <string>

#include "oci_push/auth/aws/ecr.h"
#include "oci_push/util/environment.h"

namespace ocipush {

struct CachedEcrToken {
  EcrAuthorization authorization;
  int64_t issued_at = 0;
};

// Reused until half its lifetime has passed (ECR tokens live 12 hours: reused for 6). Pure.
bool ecr_token_is_fresh(const CachedEcrToken& token, int64_t now);
// region / registry id ("public" for ECR Public, "default" when unknown) / sha256 of the access key id.
std::string ecr_cache_key(const EcrRegistry& registry, const std::string& access_key_id);

class EcrTokenCache {
 public:
  explicit EcrTokenCache(Environment& env);
  // A fresh token for key; nullopt when there is none (or the file is unreadable: it is only a cache).
  std::optional<EcrAuthorization> find(const std::string& key);
  // Stores the token, dropping entries that have expired.
  void store(const std::string& key, const EcrAuthorization& authorization);
  const std::string& path() const { return path_; }
  bool enabled() const { return !path_.empty(); }

 private:
  Environment& env_;
  std::string path_;  // "" when caching is off (AWS_ECR_DISABLE_CACHE) or no home is known
};

}  // namespace ocipush
