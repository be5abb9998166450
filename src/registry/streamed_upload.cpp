#include "oci_push/registry/streamed_upload.h"

#include <algorithm>

#include "oci_push/util/error.h"

namespace ocipush {

StreamedUpload::StreamedUpload(RegistryClient& client, std::string repo, uint64_t request_size, const BlobStart& start)
    : client_(client),
      repo_(std::move(repo)),
      request_size_(request_size),
      on_session_(start.on_session),
      own_budget_(client.retry_policy()),
      budget_(&RetryScope::current_or(own_budget_)) {
  open_session(start);
  sender_ = std::thread([this] { send_requests(); });
}

void StreamedUpload::open_session(const BlobStart& start) {
  if (start.resume) {
    if (auto status = client_.upload_status(repo_, start.resume->id)) {
      url_ = status->url;
      acknowledged_ = std::max(status->held, start.resume->offset);
      to_skip_ = acknowledged_;
      resumed_ = acknowledged_ > 0;
      return;
    }
    // The registry no longer knows it, or will not say: nothing is held, start a new one.
  }
  url_ = client_.start_upload(repo_);
  if (on_session_) on_session_({url_, 0});
}

StreamedUpload::~StreamedUpload() {
  stop_sender();
  if (!finished_ && !keep_session_ && !url_.empty()) client_.cancel_upload(repo_, url_);
}

void StreamedUpload::stop_sender() noexcept {
  if (!sender_.joinable()) return;
  if (!finished_) pipe_.abort(std::make_exception_ptr(Error("upload of " + repo_ + " abandoned")));
  sender_.join();
}

void StreamedUpload::send_requests() {
  RetryScope scope(*budget_);
  try {
    while (pipe_.wait_for_data()) {
      uint64_t sent = 0;
      std::string url = client_.upload_stream(repo_, url_, [&](char* buf, size_t len) -> size_t {
        if (request_size_ && sent >= request_size_) return 0;
        size_t want = request_size_ ? static_cast<size_t>(std::min<uint64_t>(len, request_size_ - sent)) : len;
        size_t n = pipe_.read(buf, want);
        sent += n;
        return n;
      });
      url_ = url;
      acknowledged_ += sent;
      if (on_session_) on_session_({url_, acknowledged_});
    }
  } catch (...) {
    sender_error_ = std::current_exception();
    pipe_.abort(sender_error_);
  }
}

void StreamedUpload::rethrow_sender_error() {
  if (sender_.joinable()) sender_.join();
  if (sender_error_) std::rethrow_exception(sender_error_);
}

void StreamedUpload::write(std::string_view data) {
  if (to_skip_) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(to_skip_, data.size()));
    to_skip_ -= n;
    skipped_ += n;
    data.remove_prefix(n);
    if (data.empty()) return;
  }
  try {
    pipe_.write(data);
  } catch (...) {
    rethrow_sender_error();  // the sender's failure is the one to tell
    throw;
  }
}

void StreamedUpload::finish(const Digest& digest) {
  if (to_skip_) {
    stop_sender();
    client_.cancel_upload(repo_, url_);
    url_.clear();  // the next try starts a new session
    throw TransientError("registry holds more of the upload to " + repo_ + " than the blob has bytes");
  }
  pipe_.close();
  rethrow_sender_error();
  try {
    client_.finish_upload(repo_, url_, digest);
  } catch (const Error& e) {
    // A resumed session whose bytes do not make the blob: the registry held other bytes than it said
    // (ECR's Range lags; a cut request may have left part of itself). Start over in a new session.
    if (!resumed_ || is_transient(e)) throw;
    url_.clear();  // nothing to resume or cancel
    throw TransientError("registry refused the resumed upload to " + repo_ + " (" + e.what() +
                         "); sending it again in a new session");
  }
  finished_ = true;
}

std::optional<BlobSession> StreamedUpload::take_session() {
  stop_sender();
  if (finished_ || url_.empty()) return std::nullopt;
  try {
    if (sender_error_) std::rethrow_exception(sender_error_);
  } catch (const UploadSessionRefused&) {
    return std::nullopt;  // resuming it again would be refused again: the next try starts a new one
  } catch (...) {
  }
  keep_session_ = true;
  return BlobSession{url_, acknowledged_};
}

}  // namespace ocipush
