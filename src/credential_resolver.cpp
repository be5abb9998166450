#include "oci_push/credential_resolver.h"

#include "oci_push/credential_store.h"

namespace ocipush {

std::optional<Credentials> resolve_credentials(const std::string& registry, const AuthOptions& options,
                                               HttpClient& /*http*/) {
  if (options.credentials) return options.credentials;
  return find_stored_credentials(registry);
}

void prepare_repository(const std::string&, const std::string&, const AuthOptions&, HttpClient&) {}

}  // namespace ocipush
