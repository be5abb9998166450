// Where images go: the interface every destination implements (a registry today; an OCI layout or a
// docker-archive writer with the pull issue), so transfer never knows which end it writes to.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/model/digest.h"

namespace ocipush {

// A manifest or index as an end holds it.
struct FetchedManifest {
  std::string media_type;
  std::string body;
  Digest digest;  // of the body
};

// Bytes of one blob as they are produced. A writer that goes away unfinished leaves nothing behind
// (a registry's session is cancelled, a file is removed).
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual void write(std::string_view data) = 0;
  // Ends the blob: the sink checks (or is told) that its bytes have `digest`.
  virtual void finish(const Digest& digest) = 0;
};

// How a producer's bytes should leave. Inline: each write may wait for the end to take them in.
// Background: a full buffer leaves on a thread of its own while the producer (a compressor) goes on.
enum class BlobSending { Inline, Background };

// Repositories are named as the end names them ("team/app"); `name()` is the end itself, as the digest
// cache and messages name it ("registry.example.com:5000").
class ImageSink {
 public:
  virtual ~ImageSink() = default;
  virtual std::string name() const = 0;

  // The blob's size when `repository` holds it; nullopt when it does not.
  virtual std::optional<uint64_t> blob_size(const std::string& repository, const Digest& digest) = 0;
  // Makes `repository` hold a blob that `from` (same end) holds, without its bytes; false when the end
  // cannot (then nothing was started).
  virtual bool mount_blob(const std::string& repository, const Digest& digest, const std::string& from) = 0;
  virtual std::unique_ptr<BlobWriter> start_blob(const std::string& repository, BlobSending sending) = 0;
  // A small blob (a config) in one go.
  virtual void put_blob(const std::string& repository, const Digest& digest, std::string_view bytes) = 0;

  // Stores a manifest or index under `reference` (a tag, or its digest); returns the digest the end
  // says it stored, when it says one.
  virtual std::optional<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                                  std::string_view media_type, std::string_view bytes) = 0;

  // What the end already holds, for planning; nullopt when it has no such manifest or blob.
  virtual std::optional<FetchedManifest> get_manifest(const std::string& repository, const std::string& reference) = 0;
  virtual std::optional<std::string> get_blob(const std::string& repository, const Digest& digest, size_t max_size) = 0;
};

}  // namespace ocipush
