// How every subcommand reaches a registry: one set of connection options (credentials, ECR, TLS,
// retries, timeouts, plain HTTP) and the one place a RegistryClient is made from them.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "oci_push/auth/credential_resolver.h"
#include "oci_push/http/http_client.h"
#include "oci_push/http/retry.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

struct ConnectionOptions {
  AuthOptions auth;         // --username/--password-stdin, --ecr-*, --create-repository, --repository-policy
  TlsOptions tls;           // --ca-file, --insecure
  bool plain_http = false;  // --plain-http
  RetryPolicy retry;        // --retries, --retry-budget
  HttpTimeouts timeouts;    // --connect-timeout, --stall-timeout
};

// What a connection is for: the token scope asked for, and whether the repository is written to (an
// ECR repository is then prepared: created, its policy set, or refused in one clear line).
enum class Access { Pull, Push };

// A client for `api_host` (the host `registry` names), credentials resolved, pinged; `on_retry` gets one
// line per retry. Throws Error naming the registry when it cannot be reached or refuses.
std::unique_ptr<RegistryClient> connect_registry(const ConnectionOptions& options, HttpClient& http,
                                                 const std::string& registry, const std::string& api_host,
                                                 const std::string& repository, Access access,
                                                 const std::function<void(const std::string&)>& on_retry);

}  // namespace ocipush
