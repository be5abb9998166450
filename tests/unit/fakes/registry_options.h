// RegistryOptions for a RegistryClient over a fake HttpClient: plain HTTP, so no TLS fallback is tried.
#pragma once
#include "oci_push/registry/registry_client.h"

namespace ocipush::testing {

inline RegistryOptions plain_http_options() {
  RegistryOptions options;
  options.plain_http = true;
  return options;
}

}  // namespace ocipush::testing
