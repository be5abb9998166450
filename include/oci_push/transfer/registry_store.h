// A registry repository seen as a store of blobs, so the one walk that reads OCI layouts
// (formats::read_layout_artifact) reads a registry's images into the image model: manifests from the
// manifest endpoint (media type and digest checked), configs read whole, layers opened as streamed GETs
// and marked as living in that registry (mountable by a sink on it).
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "oci_push/formats/blob_store.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

class RegistryStore : public BlobStore {
 public:
  // `local`: where this run may hold blobs already (the layout a pull writes into); read from there
  // instead of the registry when it has them (a second pull reads no config again).
  RegistryStore(std::shared_ptr<RegistryClient> client, std::string repository,
                std::shared_ptr<const BlobStore> local = nullptr);
  std::shared_ptr<const ByteSource> open_blob(const Digest& digest, uint64_t size) const override;
  bool has_blob(const Digest&) const override { return true; }  // asked when read
  std::optional<std::string> read_root_file(const std::string&, size_t) const override { return std::nullopt; }
  std::string name() const override { return client_->host() + "/" + repository_; }
  std::string read_manifest(const Descriptor& d, size_t max_size) const override;
  std::optional<RegistryBlob> remote_blob(const Descriptor& d) const override;

  // What `reference` (a tag or digest) names: its descriptor; the body is kept for the walk that follows.
  // Throws Error naming the reference when the registry has no such manifest.
  Descriptor resolve(const std::string& reference);
  // As resolve, nullopt when the registry has no such manifest.
  std::optional<Descriptor> find(const std::string& reference);
  // A document the registry made rather than stored (a referrers API answer), kept for the walk.
  Descriptor adopt(FetchedManifest fetched, const std::string& what);

 private:
  std::shared_ptr<RegistryClient> client_;
  std::string repository_;
  std::shared_ptr<const BlobStore> local_;
  mutable std::mutex mutex_;
  mutable std::map<Digest, FetchedManifest> fetched_;
};

}  // namespace ocipush
