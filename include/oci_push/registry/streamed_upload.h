// A blob upload sent as its bytes are produced: streamed PATCHes of up to `request_size` bytes each
// (a few round trips per blob, however big), then PUT ?digest=. Nothing is held for re-sending: after a
// failure the session (URL, bytes acknowledged) is handed back, and a new StreamedUpload resumes it
// while the producer makes the same bytes again, skipping those the registry holds.
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "oci_push/http/retry.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/registry/registry_client.h"
#include "oci_push/util/byte_pipe.h"

namespace ocipush {

// Bytes between the producer and the request being sent: enough that the network does not wait on the
// compressor's blocks (1 MiB each) nor the compressor on the registry's pauses, small enough that memory
// does not grow with the blob. Measured on the loopback cold push (docs/benchmarks.md): 2 MiB was 6 %
// slower than the chunked uploads before it, 4 MiB on par at 49 MiB peak RSS, 8 MiB on par at 65 MiB.
inline constexpr size_t kStreamPipeBytes = 4 << 20;

class StreamedUpload : public BlobWriter {
 public:
  // `request_size` 0: the whole blob in one PATCH. With `start.resume`, GET on its URL says what the
  // registry holds (the larger of that and the acknowledged offset, as ECR's Range stops advancing);
  // a session the registry no longer knows is replaced by a new one.
  StreamedUpload(RegistryClient& client, std::string repo, uint64_t request_size, const BlobStart& start);
  ~StreamedUpload() override;
  StreamedUpload(const StreamedUpload&) = delete;
  StreamedUpload& operator=(const StreamedUpload&) = delete;

  void write(std::string_view data) override;
  void finish(const Digest& digest) override;
  std::optional<BlobSession> take_session() override;
  uint64_t skipped_bytes() const override { return skipped_; }

 private:
  void open_session(const BlobStart& start);
  void send_requests();  // the sender thread: one PATCH per request_size bytes, until the pipe ends
  void rethrow_sender_error();
  void stop_sender() noexcept;

  RegistryClient& client_;
  std::string repo_;
  uint64_t request_size_;
  std::function<void(const BlobSession&)> on_session_;
  RetryBudget own_budget_;
  RetryBudget* budget_;  // the writer's account (RetryScope), shared with the sender thread
  std::string url_;
  std::atomic<uint64_t> acknowledged_{0};  // bytes of the blob the registry confirmed holding
  uint64_t to_skip_ = 0;                   // bytes of a resumed blob still to drop before sending
  uint64_t skipped_ = 0;
  bool resumed_ = false;  // bytes of this blob were in the session before this writer
  BytePipe pipe_{kStreamPipeBytes};
  std::thread sender_;
  std::exception_ptr sender_error_;
  bool finished_ = false;
  bool keep_session_ = false;
};

}  // namespace ocipush
