#include "oci_push/registry/registry_sink.h"

#include "oci_push/registry/chunked_upload.h"
#include "oci_push/registry/streamed_upload.h"

namespace ocipush {

std::optional<uint64_t> RegistrySink::blob_size(const std::string& repository, const Digest& digest) {
  return client_->blob_size(repository, digest);
}

bool RegistrySink::mount_blob(const std::string& repository, const Digest& digest, const std::string& from) {
  return client_->mount_blob(repository, digest, from);
}

std::unique_ptr<BlobWriter> RegistrySink::start_blob(const std::string& repository, const BlobStart& start) {
  if (start.replayable) return std::make_unique<StreamedUpload>(*client_, repository, request_size_, start);
  return std::make_unique<ChunkedUpload>(*client_, repository, kHeldChunkSize, start.sending);
}

void RegistrySink::put_blob(const std::string& repository, const Digest& digest, std::string_view bytes) {
  client_->put_blob(repository, digest, bytes);
}

std::optional<std::string> RegistrySink::put_manifest(const std::string& repository, const std::string& reference,
                                                      std::string_view media_type, std::string_view bytes) {
  return client_->put_manifest(repository, reference, media_type, bytes);
}

std::optional<FetchedManifest> RegistrySink::get_manifest(const std::string& repository, const std::string& reference) {
  return client_->get_manifest(repository, reference);
}

std::optional<std::string> RegistrySink::get_blob(const std::string& repository, const Digest& digest,
                                                  size_t max_size) {
  return client_->get_blob(repository, digest, max_size);
}

}  // namespace ocipush
