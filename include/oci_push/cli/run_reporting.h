// What a command that talks to registries reports while it runs: progress on stderr (none with -q)
// and, with -v, every HTTP request and answer as a progress line.
#pragma once
#include <memory>

#include "oci_push/http/http_client.h"
#include "oci_push/util/progress.h"

namespace ocipush {

struct RunReporting {
  std::unique_ptr<Progress> progress;
  HttpLogger http_log;  // empty without -v
};

RunReporting make_run_reporting(bool quiet, bool verbose);

}  // namespace ocipush
