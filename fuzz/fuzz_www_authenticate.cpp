// parse_www_authenticate over arbitrary bytes: documented never to throw, so nothing is caught.
#include "fuzz_common.h"
#include "oci_push/registry/auth_challenge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (const auto& c : ocipush::parse_www_authenticate(ocipush::fuzz::as_text(data, size)))
    if (c.scheme.empty()) __builtin_trap();  // a challenge always has a scheme
  return 0;
}
