#include "oci_push/registry/registry_blob_bytes.h"

#include <atomic>

#include "oci_push/registry/blob_feeds.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

// Big blobs being read in this process, and whether one of them has the ranges: only a big blob that
// starts alone gets them (several streams at once fill a link already; measured, ranges beside them cost
// CPU and 10 MiB for nothing), and so their memory is paid once, whatever --jobs is.
std::atomic<int> big_blobs{0};
std::atomic<bool> ranges_taken{false};

}  // namespace

// The feed in use, and what it counts in.
struct RegistryBlobBytes::Stream {
  std::unique_ptr<BlobFeed> feed;
  uint64_t position = 0;  // of the next byte the feed gives
  bool big = false;
  bool ranged = false;

  ~Stream() {
    feed.reset();
    if (ranged) ranges_taken = false;
    if (big) big_blobs.fetch_sub(1);
  }
};

RegistryBlobBytes::RegistryBlobBytes(std::shared_ptr<RegistryClient> client, std::string repository, Descriptor blob)
    : client_(std::move(client)), repository_(std::move(repository)), blob_(std::move(blob)) {}

RegistryBlobBytes::~RegistryBlobBytes() = default;

std::string RegistryBlobBytes::name() const { return client_->host() + "/" + repository_ + "@" + blob_.digest.str(); }

void RegistryBlobBytes::restart(uint64_t offset) const {
  stream_.reset();
  stream_ = std::make_unique<Stream>();
  stream_->position = offset;
  BlobAt at{client_, repository_, blob_};
  stream_->big = blob_.size - offset >= kRangedBlobBytes;
  const bool alone = stream_->big && big_blobs.fetch_add(1) == 0;
  bool free = false;
  if (alone && client_->blob_ranges() > 1 && !ranges_refused_ && ranges_taken.compare_exchange_strong(free, true)) {
    stream_->ranged = true;
    stream_->feed = ranged_feed(at, offset, client_->blob_ranges());
  } else {
    stream_->feed = streamed_feed(at, offset);
  }
}

size_t RegistryBlobBytes::read_at(uint64_t offset, void* buf, size_t len) const {
  std::lock_guard lock(mutex_);
  if (offset >= blob_.size) return 0;
  if (!stream_ || stream_->position != offset) restart(offset);
  auto* out = static_cast<char*>(buf);
  size_t got = 0;
  for (;;) {
    const uint64_t before = stream_->feed->delivered();
    try {
      got += stream_->feed->read(out + got, len - got);
      break;
    } catch (const RangeNotServed&) {  // the registry sends whole blobs only: one stream from here
      got += static_cast<size_t>(stream_->feed->delivered() - before);
      ranges_refused_ = true;
      restart(offset + got);
    } catch (...) {
      stream_.reset();  // the next read starts anew from where this one stopped
      throw;
    }
  }
  stream_->position = offset + got;
  return got;
}

}  // namespace ocipush
