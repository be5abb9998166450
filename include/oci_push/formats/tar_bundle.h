// A pull's tarball: at once a `docker save` archive (manifest.json with RepoTags, loadable by docker and
// podman) and an OCI layout (oci-layout, index.json, blobs/), as Docker 25 writes them. Every blob's place
// is fixed before the first byte arrives (the descriptors give the sizes), so blobs are written in place,
// in parallel, with no temporary copy; the archive is "DEST.partial" until finish() renames it, and a
// journal beside it lets the next run keep the blobs this one completed.
#pragma once
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "oci_push/model/image_sink.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// What manifest.json lists for one name: the config and layers of the image docker would load.
struct SavedImage {
  std::string name;  // RepoTags entry
  Digest config;
  std::vector<Digest> layers;
};

// Pure: a docker save manifest.json for `images`.
std::string docker_save_manifest(const std::vector<SavedImage>& images);

class TarBundle {
 public:
  // `blobs`: every blob the bundle will hold, each once. `platform`: which image of an index
  // manifest.json lists (docker loads one platform).
  // `create` false (a dry run): no file is touched, nothing is held.
  TarBundle(std::string path, std::vector<Descriptor> blobs, Platform platform, bool create = true);
  ~TarBundle();
  TarBundle(const TarBundle&) = delete;
  TarBundle& operator=(const TarBundle&) = delete;

  std::optional<uint64_t> held_size(const Digest& digest) const;  // of a blob written whole
  std::unique_ptr<BlobWriter> start_blob(const std::optional<Descriptor>& blob);
  void put_blob(const Digest& digest, std::string_view bytes);
  // A manifest or index by digest, or named `name` (index.json and manifest.json) when `name` is set.
  void put_manifest(std::string_view media_type, std::string_view bytes, const std::string& name);
  // Names a manifest stored before (by digest) in index.json and manifest.json.
  void name_manifest(const Descriptor& manifest, const std::string& name);
  // One more small file at the archive's root (written by finish()).
  void add_file(const std::string& name, std::string content);
  // index.json, manifest.json and the end of the archive; then DEST.partial becomes DEST.
  void finish();

 private:
  struct Slot {
    Descriptor blob;
    uint64_t offset = 0;  // of the data (the header is the block before)
  };
  friend class TarSlotWriter;
  const Slot& slot(const Digest& digest) const;
  void write_at(uint64_t offset, std::string_view data);
  void completed(const Digest& digest);
  // The journal: `bytes` of the blob are written (0: none worth keeping).
  void note_progress(const Digest& digest, uint64_t bytes);
  // The prefix of the blob a killed run of this plan wrote (0: none); given once.
  uint64_t held_part(const Digest& digest);
  void open_or_resume();
  void open_journal_lines();
  void journal_line(const std::string& line);  // under mutex_
  SavedImage saved_image(const std::string& name, std::string_view bytes) const;

  std::string path_;
  std::string partial_;
  std::string journal_;
  std::ofstream journal_lines_;  // open for the bundle's life: a line per blob completed or 8 MiB written
  Platform platform_;
  std::map<Digest, Slot> slots_;
  uint64_t end_ = 0;  // where index.json goes
  std::string plan_id_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::set<Digest> complete_;
  std::map<Digest, uint64_t> held_parts_;  // a killed run's half-written blobs: bytes written
  std::map<Digest, std::string> manifests_;                // bytes of the manifests stored, for manifest.json
  std::vector<std::pair<Descriptor, std::string>> names_;  // index.json entries, in order
  std::vector<std::pair<std::string, std::string>> extra_files_;
};

// One job's view of a TarBundle as an ImageSink: names are "REGISTRY/REPOSITORY:TAG".
class TarBundleSink : public ImageSink {
 public:
  TarBundleSink(TarBundle& bundle, std::string path, std::string registry)
      : bundle_(bundle), path_(std::move(path)), registry_(std::move(registry)) {}
  std::string name() const override { return path_; }
  std::optional<uint64_t> blob_size(const std::string&, const Digest& digest) override;
  bool mount_blob(const std::string&, const Digest&, const std::string&) override { return false; }
  std::unique_ptr<BlobWriter> start_blob(const std::string&, const BlobStart& start) override {
    return bundle_.start_blob(start.blob);
  }
  void put_blob(const std::string&, const Digest& digest, std::string_view bytes) override {
    bundle_.put_blob(digest, bytes);
  }
  std::optional<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                          std::string_view media_type, std::string_view bytes) override;
  std::optional<FetchedManifest> get_manifest(const std::string&, const std::string&) override { return std::nullopt; }
  std::optional<std::string> get_blob(const std::string&, const Digest&, size_t) override { return std::nullopt; }

 private:
  TarBundle& bundle_;
  std::string path_;
  std::string registry_;
};

}  // namespace ocipush
