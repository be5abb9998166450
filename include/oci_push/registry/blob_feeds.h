// The bytes of one blob from a registry, in order from an offset: one streamed GET (continued with Range
// when it breaks), or, for a big blob, bounded parallel ranged GETs reassembled in order. RegistryBlobBytes
// reads through one of them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "oci_push/model/manifest.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

class BlobFeed {
 public:
  virtual ~BlobFeed() = default;
  // Up to `len` bytes, fewer only at the end (0 there). Throws what ended the blob early: RangeNotServed
  // when a ranged feed learns the registry ignores Range (the caller goes on with one stream).
  virtual size_t read(char* buf, size_t len) = 0;
  // Bytes handed out so far (also by a read that then threw).
  virtual uint64_t delivered() const = 0;
};

struct BlobAt {
  std::shared_ptr<RegistryClient> client;
  std::string repository;
  Descriptor blob;
};

// One GET from `offset` into a bounded pipe, on a thread of its own.
std::unique_ptr<BlobFeed> streamed_feed(const BlobAt& at, uint64_t offset);

// Ranges this long, each held until the reader takes it in turn; `workers` GETs at once.
inline constexpr uint64_t kRangeBytes = 2 << 20;
// The default where ranges are used (a registry across a network: one TCP stream is capped by its window).
inline constexpr unsigned kDefaultRangeWorkers = 4;
// Worth it past this size: below, one stream's round trip is a small share of the blob.
inline constexpr uint64_t kRangedBlobBytes = 32 << 20;
std::unique_ptr<BlobFeed> ranged_feed(const BlobAt& at, uint64_t offset, unsigned workers);

}  // namespace ocipush
