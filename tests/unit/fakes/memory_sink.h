// An ImageSink held in memory, for whole pushes in unit tests: blobs and manifests by repository, a log
// of every call, and switches for the faults a test needs (no mounts, a blob that fails, a lost blob).
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "oci_push/http/retry.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/util/error.h"

namespace ocipush::testing {

// What every MemorySink opened on one "registry" shares.
struct MemoryStore {
  std::mutex mutex;
  std::map<std::string, std::map<Digest, std::string>> blobs;  // repository -> digest -> bytes
  struct Stored {
    std::string media_type;
    std::string bytes;
  };
  std::map<std::string, std::map<std::string, Stored>> manifests;  // repository -> reference -> manifest
  std::vector<std::string> calls;  // "HEAD app sha256:...", "MOUNT app sha256:... from base", ...
  bool mounts = true;              // false: mount_blob starts nothing and says so, as some registries do
  std::set<Digest> busy;           // blobs whose writer fails at finish with a transient error (a 503) ...
  int busy_failures = 0;           // ... this many times in all, then they go through
  std::set<Digest> broken;         // blobs whose writer always fails (an Error that is not transient)

  bool holds(const std::string& repo, const Digest& d) {
    std::lock_guard lock(mutex);
    auto r = blobs.find(repo);
    return r != blobs.end() && r->second.count(d);
  }
  size_t count(const std::string& prefix) {
    std::lock_guard lock(mutex);
    size_t n = 0;
    for (const auto& c : calls) n += c.rfind(prefix, 0) == 0;
    return n;
  }
  size_t tag_count() {
    std::lock_guard lock(mutex);
    size_t n = 0;
    for (const auto& [repo, refs] : manifests)
      for (const auto& [ref, m] : refs) n += ref.rfind("sha256:", 0) != 0;
    return n;
  }
};

class MemorySink : public ImageSink {
 public:
  explicit MemorySink(std::shared_ptr<MemoryStore> store, std::string name = "memory.test")
      : store_(std::move(store)), name_(std::move(name)) {}

  std::string name() const override { return name_; }

  std::optional<uint64_t> blob_size(const std::string& repo, const Digest& digest) override {
    std::lock_guard lock(store_->mutex);
    store_->calls.push_back("HEAD " + repo + " " + digest.str());
    auto r = store_->blobs.find(repo);
    if (r == store_->blobs.end()) return std::nullopt;
    auto b = r->second.find(digest);
    if (b == r->second.end()) return std::nullopt;
    return b->second.size();
  }

  bool mount_blob(const std::string& repo, const Digest& digest, const std::string& from) override {
    std::lock_guard lock(store_->mutex);
    store_->calls.push_back("MOUNT " + repo + " " + digest.str() + " from " + from);
    if (!store_->mounts) return false;
    auto r = store_->blobs.find(from);
    if (r == store_->blobs.end() || !r->second.count(digest)) return false;
    store_->blobs[repo][digest] = r->second[digest];
    return true;
  }

  std::unique_ptr<BlobWriter> start_blob(const std::string& repo, const BlobStart&) override {
    std::lock_guard lock(store_->mutex);
    store_->calls.push_back("START " + repo);
    return std::make_unique<Writer>(store_, repo);
  }

  void put_blob(const std::string& repo, const Digest& digest, std::string_view bytes) override {
    Writer w(store_, repo);
    w.write(bytes);
    w.finish(digest);
  }

  std::optional<std::string> put_manifest(const std::string& repo, const std::string& reference,
                                          std::string_view media_type, std::string_view bytes) override {
    std::lock_guard lock(store_->mutex);
    store_->calls.push_back("MANIFEST " + repo + ":" + reference);
    store_->manifests[repo][reference] = {std::string(media_type), std::string(bytes)};
    return sha256_of(bytes).str();
  }

  std::optional<FetchedManifest> get_manifest(const std::string& repo, const std::string& reference) override {
    std::lock_guard lock(store_->mutex);
    store_->calls.push_back("GET MANIFEST " + repo + ":" + reference);
    auto r = store_->manifests.find(repo);
    if (r == store_->manifests.end() || !r->second.count(reference)) return std::nullopt;
    const auto& m = r->second[reference];
    return FetchedManifest{m.media_type, m.bytes, sha256_of(m.bytes)};
  }

  std::optional<std::string> get_blob(const std::string& repo, const Digest& digest, size_t) override {
    std::lock_guard lock(store_->mutex);
    store_->calls.push_back("GET BLOB " + repo + " " + digest.str());
    auto r = store_->blobs.find(repo);
    if (r == store_->blobs.end() || !r->second.count(digest)) return std::nullopt;
    return r->second[digest];
  }

 private:
  // Keeps the bytes only when finish() names their digest, as a registry's PUT ?digest= does.
  class Writer : public BlobWriter {
   public:
    Writer(std::shared_ptr<MemoryStore> store, std::string repo) : store_(std::move(store)), repo_(std::move(repo)) {}
    void write(std::string_view data) override { bytes_.append(data); }
    void finish(const Digest& digest) override {
      std::lock_guard lock(store_->mutex);
      store_->calls.push_back("PUT " + repo_ + " " + digest.str());
      if (sha256_of(bytes_) != digest) throw Error("memory sink: blob is not " + digest.str());
      if (store_->broken.count(digest)) throw Error("memory sink: refused " + digest.str());
      if (store_->busy.count(digest) && store_->busy_failures > 0) {
        --store_->busy_failures;
        throw TransientError("memory sink: busy, try " + digest.str() + " again");
      }
      store_->blobs[repo_][digest] = std::move(bytes_);
    }

   private:
    std::shared_ptr<MemoryStore> store_;
    std::string repo_;
    std::string bytes_;
  };

  std::shared_ptr<MemoryStore> store_;
  std::string name_;
};

}  // namespace ocipush::testing
