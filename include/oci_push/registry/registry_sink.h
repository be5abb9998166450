// A registry as an ImageSink: HEAD, mount, chunked uploads, manifests, over one RegistryClient.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/model/image_sink.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

class RegistrySink : public ImageSink {
 public:
  // Blob uploads go in PATCH chunks of `chunk_size` bytes (see ChunkedUpload).
  RegistrySink(std::unique_ptr<RegistryClient> client, size_t chunk_size)
      : client_(std::move(client)), chunk_size_(chunk_size) {}

  std::string name() const override { return client_->host(); }
  RegistryClient& client() { return *client_; }

  std::optional<uint64_t> blob_size(const std::string& repository, const Digest& digest) override;
  bool mount_blob(const std::string& repository, const Digest& digest, const std::string& from) override;
  std::unique_ptr<BlobWriter> start_blob(const std::string& repository, BlobSending sending) override;
  void put_blob(const std::string& repository, const Digest& digest, std::string_view bytes) override;
  std::optional<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                          std::string_view media_type, std::string_view bytes) override;
  std::optional<FetchedManifest> get_manifest(const std::string& repository, const std::string& reference) override;
  std::optional<std::string> get_blob(const std::string& repository, const Digest& digest, size_t max_size) override;

 private:
  std::unique_ptr<RegistryClient> client_;
  size_t chunk_size_;
};

}  // namespace ocipush
