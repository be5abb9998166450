// Registry options whose retries wait a millisecond or two, for protocol tests that script failures.
#pragma once
#include "oci_push/registry/registry_client.h"

namespace ocipush::testing {

inline RegistryOptions fast_retries(int retries) {
  RegistryOptions o;
  o.retry.max_retries = retries;
  o.retry.base_delay = Millis(1);
  o.retry.max_delay = Millis(2);
  return o;
}

}  // namespace ocipush::testing
