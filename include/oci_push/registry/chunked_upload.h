// A blob upload session fed with bytes as they are produced: PATCH chunks, resume, PUT ?digest=.
#pragma once
#include <cstdint>
#include <future>
#include <string>
#include <string_view>

#include "oci_push/model/digest.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

// A blob upload session fed with bytes as they are produced: PATCH chunks of exactly `chunk_size`
// bytes (the last one shorter), PUT ?digest= at the end. A session not finished is
// cancelled (DELETE) when the object goes away, so an error leaves nothing half-written.
// A chunk that fails (network, 408/429/5xx) is resumed: after a wait, GET on the session says how
// much the registry holds and the rest of the chunk is sent; a Range below what the registry already
// acknowledged (ECR's stops advancing) is not believed. Only the current chunk is kept, so a session
// the registry no longer knows, or a Range past the chunk, throws TransientError: the caller starts
// the blob over. Retries draw on RetryScope::current() (the writer's, also for background sends),
// else on the upload's own account. A background send's error is thrown by the next write or finish.
class ChunkedUpload : public BlobWriter {
 public:
  ChunkedUpload(RegistryClient& client, std::string repo, size_t chunk_size, BlobSending sending = BlobSending::Inline);
  ~ChunkedUpload() override;
  ChunkedUpload(const ChunkedUpload&) = delete;
  ChunkedUpload& operator=(const ChunkedUpload&) = delete;

  void write(std::string_view data) override;
  void finish(const Digest& digest) override;
  uint64_t bytes_sent() const { return offset_; }  // after finish

 private:
  void send(std::string_view chunk);  // one chunk, resumed after transient failures
  void wait_for_background();         // the chunk in flight; rethrows its error

  RegistryClient& client_;
  std::string repo_;
  size_t chunk_size_;
  BlobSending sending_;
  RetryBudget own_budget_;
  std::string url_;
  std::string buffer_;     // what write() has been given and not yet sent
  std::string in_flight_;  // Background: the chunk being sent
  std::future<void> background_;
  uint64_t offset_ = 0;
  bool finished_ = false;
};

}  // namespace ocipush
