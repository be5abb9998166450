#include "oci_push/cli/run_reporting.h"

#include <cstdio>

namespace ocipush {

RunReporting make_run_reporting(bool quiet, bool verbose) {
  RunReporting r{make_progress(quiet, stderr), nullptr};
  if (verbose) r.http_log = [progress = r.progress.get()](const std::string& line) { progress->event(line); };
  return r;
}

}  // namespace ocipush
