// A blob in a registry as a ByteSource: read front to back through one streamed GET read ahead into a
// bounded pipe, or (a big blob, where the registry serves Range) bounded parallel ranged GETs; a read
// elsewhere (a resume) starts anew there with `Range`. Nothing grows with the blob.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "oci_push/io/byte_source.h"
#include "oci_push/model/manifest.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

class RegistryBlobBytes : public ByteSource {
 public:
  RegistryBlobBytes(std::shared_ptr<RegistryClient> client, std::string repository, Descriptor blob);
  ~RegistryBlobBytes() override;
  uint64_t size() const override { return blob_.size; }
  // A broken GET throws (a NetworkError, transient): the caller's retry reads on from where it got.
  // A blob longer or shorter than its descriptor says is an Error naming it.
  size_t read_at(uint64_t offset, void* buf, size_t len) const override;
  std::string name() const override;  // "registry/repository@sha256:..."
  // Content-addressed: the digest names these exact bytes.
  std::optional<std::string> identity() const override { return "registry blob " + name(); }

 private:
  struct Stream;
  void restart(uint64_t offset) const;

  std::shared_ptr<RegistryClient> client_;
  std::string repository_;
  Descriptor blob_;
  mutable std::mutex mutex_;
  mutable std::unique_ptr<Stream> stream_;
  mutable bool ranges_refused_ = false;  // the registry answered a bounded Range with the whole blob
};

}  // namespace ocipush
