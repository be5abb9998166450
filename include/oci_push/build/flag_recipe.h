// `oci-push build --from BASE --add SRC:DEST ...`: the flags written as the instructions a Dockerfile
// would have, so both front ends run on one engine. Pure.
#pragma once
#include <string>
#include <vector>

#include "oci_push/build/dockerfile.h"

namespace ocipush {

struct BuildFlags {
  std::string from;                 // a reference, a local source, or "scratch"
  std::vector<std::string> adds;    // SRC:DEST, each one layer
  std::string chown;                // for the adds
  std::string chmod;
  std::string entrypoint;           // a JSON array, or one word
  std::string cmd;
  std::vector<std::string> env;     // K=V
  std::string workdir;
  std::string user;
  std::vector<std::string> expose;
  std::vector<std::string> volumes;
  std::string stop_signal;
};

// Throws UsageError for a malformed flag (an --add without ':', --env without '=').
Dockerfile dockerfile_from_flags(const BuildFlags& flags);

}  // namespace ocipush
