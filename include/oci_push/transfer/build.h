// `oci-push build`: the engine (build/) over real ends. Bases are read from registries (manifests and
// configs only) or local sources; the result goes where a push (-t) or a pull (--output) sends images.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/build/flag_recipe.h"
#include "oci_push/http/http_client.h"
#include "oci_push/transfer/push.h"
#include "oci_push/util/progress.h"

namespace ocipush {

struct BuildOptions {
  std::string context = ".";
  std::string dockerfile;  // -f; default CONTEXT/Dockerfile
  bool from_flags = false;  // --from given: the image is made from `flags`, not a Dockerfile
  BuildFlags flags;
  std::vector<std::string> tags;  // -t REF, each pushed
  std::string output;             // --output DEST, as pull's DEST
  std::vector<std::pair<std::string, std::string>> build_args;
  std::vector<std::string> platforms;
  std::optional<std::string> target;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  bool keep_mtimes = false;
  PushOptions push;  // connection, jobs, threads, chunk size, compression, cache, dry run
};

struct BuildResult {
  PushResult pushed;                 // one repository per -t, then the --output's
  std::vector<std::string> notices;  // already shown as progress events
};

// Throws Error / UsageError with the one line to show; nothing is pushed or written unless the whole
// image was built first (every Dockerfile and context error comes before the first upload).
BuildResult run_build(const BuildOptions& options, Progress& progress, const HttpLogger& http_log);

}  // namespace ocipush
