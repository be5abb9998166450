#include "oci_push/registry/registry_blob_bytes.h"

#include <thread>

#include "oci_push/http/retry.h"
#include "oci_push/util/byte_pipe.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

constexpr size_t kReadAhead = 4 << 20;  // as the upload side's pipe: enough to keep a link busy

}  // namespace

// One GET in flight: its thread writes the body into the pipe; `position` is the next byte read() gives.
struct RegistryBlobBytes::Stream {
  BytePipe pipe{kReadAhead};
  std::thread thread;
  uint64_t position = 0;
  std::exception_ptr error;  // why the GET ended early: thrown once its bytes are read

  ~Stream() {
    pipe.abort(std::make_exception_ptr(Interrupted()));  // wakes a GET waiting on a full pipe
    if (thread.joinable()) thread.join();
  }
};

RegistryBlobBytes::RegistryBlobBytes(std::shared_ptr<RegistryClient> client, std::string repository, Descriptor blob)
    : client_(std::move(client)), repository_(std::move(repository)), blob_(std::move(blob)) {}

RegistryBlobBytes::~RegistryBlobBytes() = default;

std::string RegistryBlobBytes::name() const { return client_->host() + "/" + repository_ + "@" + blob_.digest.str(); }

// The GET's thread: a broken answer is continued from where it broke with a Range request (on the
// client's retry policy), so what arrived is never lost; a failure past the retries, or a refusal, is
// kept for the reader, which gets every byte that arrived before it.
void RegistryBlobBytes::restart(uint64_t offset) const {
  stream_.reset();
  stream_ = std::make_unique<Stream>();
  stream_->position = offset;
  Stream* s = stream_.get();
  s->thread = std::thread([this, s, offset] {
    try {
      uint64_t at = offset;
      RetryBudget budget(client_->retry_policy());
      for (;;) {
        try {
          client_->read_blob(repository_, blob_.digest, at, [&](std::string_view data) {
            if (data.size() > blob_.size - at)
              throw Error("registry " + client_->host() + " served blob " + blob_.digest.str() + " longer than the " +
                          std::to_string(blob_.size) + " bytes its descriptor says");
            s->pipe.write(data);
            at += data.size();
          });
          break;
        } catch (const Error& e) {
          if (!is_transient(e) || !client_->wait_to_retry(budget, "GET blob " + blob_.digest.str() + " at byte " +
                                                                      std::to_string(at) + ": " + e.what()))
            throw;
        }
      }
      if (at != blob_.size)
        throw Error("registry " + client_->host() + " served " + std::to_string(at) + " bytes of blob " +
                    blob_.digest.str() + ", whose descriptor says " + std::to_string(blob_.size));
    } catch (...) {
      s->error = std::current_exception();
    }
    s->pipe.close();
  });
}

size_t RegistryBlobBytes::read_at(uint64_t offset, void* buf, size_t len) const {
  std::lock_guard lock(mutex_);
  if (offset >= blob_.size) return 0;
  if (!stream_ || stream_->position != offset) restart(offset);
  size_t got = 0;
  auto* out = static_cast<char*>(buf);
  try {
    while (got < len) {
      size_t n = stream_->pipe.read(out + got, len - got);
      if (n == 0) {
        if (stream_->error) std::rethrow_exception(stream_->error);
        break;
      }
      got += n;
    }
  } catch (...) {
    stream_.reset();  // the next read starts a new GET from where this one stopped
    throw;
  }
  stream_->position += got;
  return got;
}

}  // namespace ocipush
