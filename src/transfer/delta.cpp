#include "oci_push/transfer/delta.h"

#include <nlohmann/json.hpp>

#include "oci_push/formats/local_source.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

void add_layers(const Artifact& artifact, std::map<Digest, uint64_t>& out) {
  if (artifact.index) {
    for (const auto& child : artifact.index->children) add_layers(child, out);
    return;
  }
  for (const auto& l : artifact.image->layers)
    if (l.descriptor && l.bytes) out[l.descriptor->digest] = l.descriptor->size;
}

}  // namespace

OldBundle read_old_bundle(const std::string& path) {
  SourceContents source;
  try {
    source = open_source(parse_source_spec(path));
  } catch (const Error& e) {
    throw Error("--since " + path + ": not a bundle to make a delta against (" + e.what() + ")");
  }
  OldBundle old{path, {}};
  for (const auto& artifact : source.artifacts) add_layers(artifact, old.layers);
  return old;
}

std::vector<Digest> layers_left_to(const OldBundle& old, const std::vector<PushJob>& jobs,
                                   const std::function<bool(const Digest&)>& held) {
  std::map<Digest, uint64_t> named;
  for (const auto& job : jobs) add_layers(job.artifact, named);
  std::vector<Digest> out;
  for (const auto& [digest, size] : named)
    if (old.layers.count(digest) && !held(digest)) out.push_back(digest);
  return out;
}

std::string delta_file(const OldBundle& old, const std::vector<Digest>& omitted) {
  nlohmann::ordered_json j{{"since", old.name}, {"omitted", nlohmann::ordered_json::array()}};
  for (const auto& d : omitted) j["omitted"].push_back(d.str());
  return j.dump(2) + "\n";
}

std::optional<uint64_t> DeltaSink::blob_size(const std::string& repository, const Digest& digest) {
  if (auto it = old_.layers.find(digest); it != old_.layers.end()) return it->second;
  return inner_->blob_size(repository, digest);
}

}  // namespace ocipush
