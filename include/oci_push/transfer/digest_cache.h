// The local digest cache: what a layer compressed to before, and where the registry has it, so a re-push
// compresses nothing. A hint, never trusted blindly: every hit is confirmed with HEAD, and a miss there
// falls back to compressing. Safe to share between processes (each entry is one file, replaced whole by
// rename), bounded in size, under $XDG_CACHE_HOME/oci-push (else ~/.cache/oci-push).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oci_push/model/digest.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

struct CachedBlob {
  Digest diff_id;  // what the entry is about: a misfiled entry is a miss
  std::string codec_key;
  Descriptor descriptor;                  // the compressed blob
  std::vector<std::string> repositories;  // "host/repo" where it was pushed or seen, newest first
};

inline constexpr size_t kDigestCacheMaxEntries = 20000;
inline constexpr size_t kDigestCacheMaxRepositories = 32;

class DigestCache {
 public:
  // nullopt when neither XDG_CACHE_HOME nor HOME is set.
  static std::optional<std::string> default_directory();
  explicit DigestCache(std::string directory);

  // (diff_id, codec) -> the compressed blob; nullopt on a miss or an unreadable (corrupt) entry.
  std::optional<CachedBlob> lookup(const Digest& diff_id, const std::string& codec_key) const;
  void record(const Digest& diff_id, const std::string& codec_key, const Descriptor& blob,
              const std::string& repository);

  // Whether the layer at `identity` (a file's device, inode, size, times, and the slice in it) was
  // hashed to `diff_id` before: an unchanged file need not be read again to check its diff_ids.
  bool verified(const std::string& identity, const Digest& diff_id) const;
  void record_verified(const std::string& identity, const Digest& diff_id);
  // What the bytes at `identity` hashed to before (a build's layer tar made of unchanged files).
  std::optional<Digest> verified_digest(const std::string& identity) const;

  // An upload session a push left open (killed, interrupted, out of retries), so the next run continues
  // it: by a key naming the registry, repository and everything that decides the blob's bytes.
  std::optional<BlobSession> upload_session(const std::string& key) const;
  void record_upload_session(const std::string& key, const BlobSession& session);
  void forget_upload_session(const std::string& key);

  // Removes the oldest entries beyond `max_entries`. Errors are ignored: the cache is only a hint.
  void prune(size_t max_entries = kDigestCacheMaxEntries) noexcept;

 private:
  std::string blob_path(const Digest& diff_id, const std::string& codec_key) const;
  std::string verified_path(const std::string& identity) const;
  std::string upload_path(const std::string& key) const;
  std::string directory_;
};

// Pure: the text of a cache entry, and back (nullopt when it is not one).
std::string serialize_cached_blob(const CachedBlob& blob);
std::optional<CachedBlob> parse_cached_blob(std::string_view text);

}  // namespace ocipush
