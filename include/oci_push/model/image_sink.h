// Where images go: the interface every destination implements (a registry today; an OCI layout or a
// docker-archive writer with the pull issue), so transfer never knows which end it writes to.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/io/byte_source.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/manifest.h"
#include "oci_push/util/error.h"

namespace ocipush {

// A manifest or index as an end holds it.
struct FetchedManifest {
  std::string media_type;
  std::string body;
  Digest digest;  // of the body
};

// A manifest the end refused because it lacks one of the blobs it names (a registry's
// MANIFEST_BLOB_UNKNOWN): the blob went missing after it was confirmed. The pusher checks, sends what
// is missing and stores the manifest again.
class ManifestBlobUnknown : public Error {
 public:
  using Error::Error;
};

// Where an unfinished blob stands at its end: the end's session (a registry's upload URL) and how many
// bytes of the blob the end holds in it, as far as the writer knows (acknowledged bytes).
struct BlobSession {
  std::string id;
  uint64_t offset = 0;
};

// Bytes of one blob as they are produced. A writer that goes away unfinished leaves nothing behind (a
// registry's session is cancelled), unless its session was taken to be resumed.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual void write(std::string_view data) = 0;
  // Ends the blob: the sink checks (or is told) that its bytes have `digest`.
  virtual void finish(const Digest& digest) = 0;
  // After a failure: the session holding what was sent, for a new writer to resume (the writer then
  // leaves it open); nullopt when there is none worth resuming.
  virtual std::optional<BlobSession> take_session() { return std::nullopt; }
  // Bytes the writer was given but did not send, because the end held them already (a resumed session).
  virtual uint64_t skipped_bytes() const { return 0; }
  // The start of the blob that the end holds already and can give back (a half-written file), for a
  // producer that can start anywhere (a ranged GET): it reads them to hash them, and its writes then
  // continue after them. Null when there are none or the end cannot give them back: writes then start at
  // the blob's first byte (and the writer skips what it holds). Called before the first write, or never.
  virtual std::shared_ptr<const ByteSource> take_held() { return nullptr; }
};

// How a producer's bytes should leave. Inline: each write may wait for the end to take them in.
// Background: a full buffer leaves on a thread of its own while the producer (a compressor) goes on.
enum class BlobSending { Inline, Background };

// What the producer of a blob can promise, and what it wants to be told.
struct BlobStart {
  // The producer can make the same bytes again from the start (a file, not a pipe): the writer then holds
  // nothing for re-sending; a failure is resumed by producing the blob again and skipping what is held.
  bool replayable = false;
  BlobSending sending = BlobSending::Inline;  // for producers that are not replayable
  std::optional<BlobSession> resume;          // continue this session instead of starting one
  std::optional<Descriptor> blob;             // the blob's digest and size, when known before its bytes
  // Told each time the session advances (started, bytes acknowledged), to remember it across runs.
  std::function<void(const BlobSession&)> on_session;
};

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
  // A writer for a new blob, or for `start.resume`'s session where the end still holds it (else a new one).
  virtual std::unique_ptr<BlobWriter> start_blob(const std::string& repository, const BlobStart& start) = 0;
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
