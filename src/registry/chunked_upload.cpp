#include "oci_push/registry/chunked_upload.h"

#include <future>
#include <memory>

#include "oci_push/http/retry.h"
#include "oci_push/util/error.h"
#include "oci_push/util/lent_place.h"

namespace ocipush {

ChunkedUpload::ChunkedUpload(RegistryClient& client, std::string repo, size_t chunk_size, BlobSending sending)
    : client_(client),
      repo_(std::move(repo)),
      chunk_size_(chunk_size),
      sending_(sending),
      own_budget_(client.retry_policy()) {
  // One chunk plus one block's worth of appends: the buffers never double past that.
  const size_t capacity = chunk_size_ + (1 << 20) + (64 << 10);
  buffer_.reserve(capacity);
  if (sending_ == BlobSending::Background) in_flight_.reserve(capacity);
}

ChunkedUpload::~ChunkedUpload() {
  if (background_.valid()) background_.wait();
  if (!finished_ && !url_.empty()) client_.cancel_upload(repo_, url_);
}

void ChunkedUpload::wait_for_background() {
  if (!background_.valid()) return;
  LentWhileWaiting lent;
  background_.get();
}

void ChunkedUpload::write(std::string_view data) {
  buffer_.append(data);
  while (buffer_.size() >= chunk_size_) {
    if (sending_ == BlobSending::Inline) {
      {
        LentWhileWaiting lent;
        send(std::string_view(buffer_).substr(0, chunk_size_));
      }
      buffer_.erase(0, chunk_size_);
      continue;
    }
    wait_for_background();
    // The full chunk becomes in_flight_ and what spilled past it starts the next one, both buffers
    // keeping their capacity.
    std::swap(buffer_, in_flight_);
    buffer_.assign(in_flight_, chunk_size_, std::string::npos);
    in_flight_.resize(chunk_size_);
    RetryBudget* budget = &RetryScope::current_or(own_budget_);
    background_ = std::async(std::launch::async, [this, budget] {
      RetryScope scope(*budget);
      send(in_flight_);
    });
  }
}

void ChunkedUpload::send(std::string_view chunk) {
  if (chunk.empty()) return;
  if (url_.empty()) url_ = client_.start_upload(repo_);
  RetryBudget& budget = RetryScope::current_or(own_budget_);
  for (size_t held = 0; held < chunk.size();) {  // bytes of this chunk the registry holds
    try {
      url_ = client_.upload_chunk(repo_, url_, offset_ + held, chunk.substr(held));
      break;
    } catch (const Error& e) {
      if (!is_transient(e)) throw;
      if (!client_.wait_to_retry(budget, "PATCH at offset " + std::to_string(offset_ + held) + ": " + e.what()))
        throw TransientError(std::string(e.what()) + "; " + budget.gave_up());
      auto status = client_.upload_status(repo_, url_);
      if (!status)
        throw TransientError("registry no longer knows the upload session of " + repo_ + " after: " + e.what());
      uint64_t at = std::max<uint64_t>(status->held, offset_);
      if (at > offset_ + chunk.size())
        throw TransientError("registry holds " + std::to_string(at) + " bytes of an upload to " + repo_ +
                             ", past the chunk being sent");
      url_ = status->url;
      held = static_cast<size_t>(at - offset_);
    }
  }
  offset_ += chunk.size();
}

void ChunkedUpload::finish(const Digest& digest) {
  wait_for_background();
  send(buffer_);
  buffer_.clear();
  if (url_.empty()) url_ = client_.start_upload(repo_);  // an empty blob: no chunk at all
  client_.finish_upload(repo_, url_, digest);
  finished_ = true;
}

}  // namespace ocipush
