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

// The chunk a non-replayable upload holds in memory to resume it: the smallest ECR accepts.
inline constexpr size_t kHeldChunkSize = 5u << 20;

class RegistrySink : public ImageSink {
 public:
  // A replayable blob goes in streamed PATCHes of `request_size` bytes (StreamedUpload); one whose
  // producer cannot make its bytes again in PATCHes of kHeldChunkSize held for resuming (ChunkedUpload).
  RegistrySink(std::unique_ptr<RegistryClient> client, uint64_t request_size)
      : client_(std::move(client)), request_size_(request_size) {}

  std::string name() const override { return client_->host(); }
  RegistryClient& client() { return *client_; }

  std::optional<uint64_t> blob_size(const std::string& repository, const Digest& digest) override;
  bool mount_blob(const std::string& repository, const Digest& digest, const std::string& from) override;
  std::unique_ptr<BlobWriter> start_blob(const std::string& repository, const BlobStart& start) override;
  void put_blob(const std::string& repository, const Digest& digest, std::string_view bytes) override;
  std::optional<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                          std::string_view media_type, std::string_view bytes) override;
  std::optional<FetchedManifest> get_manifest(const std::string& repository, const std::string& reference) override;
  std::optional<std::string> get_blob(const std::string& repository, const Digest& digest, size_t max_size) override;

 private:
  std::unique_ptr<RegistryClient> client_;
  uint64_t request_size_;
};

}  // namespace ocipush
