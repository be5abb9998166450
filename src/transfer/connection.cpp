#include "oci_push/transfer/connection.h"

#include "oci_push/model/reference.h"
#include "oci_push/util/stop.h"

namespace ocipush {

std::unique_ptr<RegistryClient> connect_registry(const ConnectionOptions& options, HttpClient& http,
                                                 const std::string& registry, const std::string& api_host,
                                                 const std::string& repository, Access access,
                                                 const std::function<void(const std::string&)>& on_retry) {
  RegistryOptions registry_options;
  registry_options.plain_http = options.plain_http;
  registry_options.credentials = resolve_credentials(registry, options.auth, http);
  registry_options.actions = access == Access::Push ? "pull,push" : "pull";
  registry_options.retry = options.retry;
  registry_options.retry.stop = &stop_flag();
  registry_options.on_retry = on_retry;
  auto client = std::make_unique<RegistryClient>(http, api_host, registry_options);
  // Where the scheme is chosen already, GET /v2/ goes beside the first request instead of a round trip
  // before it (a long link pays each one).
  if (options.plain_http || !is_loopback_registry(api_host))
    client->start_ping();
  else
    client->ping();
  if (access == Access::Push) prepare_repository(registry, repository, options.auth, http);
  return client;
}

}  // namespace ocipush
