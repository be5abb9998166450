#include "oci_push/transfer/publish.h"

#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {

void put_manifest_checked(ImageSink& sink, const std::string& repository, const std::string& reference,
                          const BuiltManifest& built) {
  auto reported = sink.put_manifest(repository, reference, built.result.media_type, built.bytes);
  if (reported && *reported != built.result.digest.str())
    throw Error("registry stored " + repository + ":" + reference + " as " + *reported + ", not as the " +
                built.result.digest.str() + " that was sent");
}

void put_tags(ImageSink& sink, const PushTarget& target, const BuiltManifest& built, Progress& progress,
              const std::atomic<bool>& stop) {
  std::vector<std::string> references = target.tags;
  if (references.empty()) references.push_back(built.result.digest.str());
  for (const auto& ref : references) {
    if (stop.load()) throw Interrupted();
    put_manifest_checked(sink, target.repository, ref, built);
    progress.event("named " + target.name() + ":" + ref + " -> " + built.result.digest.str());
  }
}

}  // namespace ocipush
