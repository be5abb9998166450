// parse_reference over arbitrary bytes; what parses must print back to a reference that parses.
#include "fuzz_common.h"
#include "oci_push/model/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocipush;
  fuzz::expect_clean([&] {
    Reference r = parse_reference(fuzz::as_text(data, size));
    is_loopback_registry(r.registry);
    Reference again = parse_reference(r.str());
    if (again.str() != r.str()) __builtin_trap();
  });
  return 0;
}
