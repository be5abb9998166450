#include "oci_push/transfer/registry_source.h"

#include "oci_push/formats/oci_layout.h"
#include "oci_push/model/manifest.h"
#include "oci_push/transfer/registry_store.h"
#include "oci_push/util/error.h"

namespace ocipush {

RegistryArtifact keep_platforms(const Artifact& artifact, const std::vector<Platform>& platforms,
                                const std::string& what) {
  if (!artifact.index || platforms.empty()) return {artifact, std::nullopt};
  const Index& index = *artifact.index;
  std::vector<bool> keep;
  auto narrowed = std::make_shared<Index>(index);
  narrowed->children.clear();
  std::string available;
  for (const auto& child : index.children) {
    bool wanted = false;
    for (const auto& p : platforms) wanted = wanted || (child.platform && child.platform->matches(p));
    keep.push_back(wanted);
    if (wanted) narrowed->children.push_back(child);
    available += (available.empty() ? "" : ", ") + (child.platform ? child.platform->str() : std::string("?"));
  }
  if (narrowed->children.empty())
    throw Error(what + " has no image for the platforms asked (it has " + available + ")");
  if (narrowed->children.size() == index.children.size()) return {artifact, std::nullopt};
  narrowed->bytes = index_keeping(index.bytes, keep);
  narrowed->digest = sha256_of(narrowed->bytes);
  Artifact out = artifact;
  out.index = std::move(narrowed);
  return {std::move(out), index.digest};
}

namespace {

void manifest_digests(const Artifact& artifact, std::vector<Digest>& out) {
  if (artifact.image) {
    out.push_back(artifact.image->manifest_digest);
    return;
  }
  out.push_back(artifact.index->digest);
  for (const auto& child : artifact.index->children) manifest_digests(child, out);
}

// For one manifest: the referrers API's index (stored as the fallback tag would hold it), else the
// fallback tag's own index; then cosign's tags.
void referrers_of(const std::shared_ptr<RegistryClient>& client, const std::shared_ptr<RegistryStore>& store,
                  const std::string& repository, const Digest& subject, std::vector<Referrer>& out) {
  const std::string tag = subject.algorithm + "-" + subject.hex;
  std::optional<Descriptor> index;
  if (auto api = client->get_referrers(repository, subject)) {
    auto listed = parse_image_index(api->body, "referrers of " + subject.str());
    if (!listed.manifests.empty()) index = store->adopt(std::move(*api), "referrers of " + subject.str());
  }
  if (!index) index = store->find(tag);
  if (index) out.push_back({read_layout_artifact(store, *index), tag});
  for (const char* suffix : {".sig", ".att", ".sbom"})
    if (auto found = store->find(tag + suffix)) out.push_back({read_layout_artifact(store, *found), tag + suffix});
}

}  // namespace

RegistryArtifact read_registry_artifact(std::shared_ptr<RegistryClient> client, const Reference& ref,
                                        const std::vector<Platform>& platforms, std::shared_ptr<const BlobStore> local,
                                        bool with_referrers) {
  auto store = std::make_shared<RegistryStore>(client, ref.repository, std::move(local));
  Descriptor top = store->resolve(ref.digest ? *ref.digest : ref.tag.value_or("latest"));
  Artifact artifact = read_layout_artifact(store, top);
  auto read = keep_platforms(artifact, platforms, ref.str());
  if (!with_referrers) return read;
  std::vector<Digest> digests;
  manifest_digests(read.artifact, digests);
  for (const auto& d : digests) referrers_of(client, store, ref.repository, d, read.referrers);
  return read;
}

}  // namespace ocipush
