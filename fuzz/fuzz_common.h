// Shared by the libFuzzer targets: run one parser on the input; an ocipush::Error (the clean refusal
// the user sees as one line) is an expected outcome, anything else escaping is a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci_push/util/error.h"

namespace ocipush::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const ocipush::Error&) {
    // A refusal with a message: what hostile input must get.
  }
}

}  // namespace ocipush::fuzz
