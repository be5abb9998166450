// The one line a failing call would show the user, for asserting on error messages.
#pragma once
#include <functional>
#include <string>

#include "oci_push/util/error.h"

namespace ocipush::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace ocipush::testing
