// pull --since OLD-BUNDLE: a delta bundle. The layers OLD holds are not fetched and not written; the
// bundle lists them in its delta file (formats::kDeltaFile), and a push of it requires the target to
// hold them (LayerPusher::push_left_in). Manifests and configs are always written.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/push.h"

namespace ocipush {

struct OldBundle {
  std::string name;                   // as the user gave it
  std::map<Digest, uint64_t> layers;  // digest -> size, of every layer it holds
};

// Reads OLD as push would (every manifest checked); Error naming it when it is no bundle.
OldBundle read_old_bundle(const std::string& path);

// Pure: the old bundle's layers that `jobs` name, less those `held` says the new bundle has anyway.
std::vector<Digest> layers_left_to(const OldBundle& old, const std::vector<PushJob>& jobs,
                                   const std::function<bool(const Digest&)>& held);
// Pure: the delta file's text.
std::string delta_file(const OldBundle& old, const std::vector<Digest>& omitted);

// A sink that answers "held" for the old bundle's layers, so they are neither fetched nor written.
class DeltaSink : public ImageSink {
 public:
  DeltaSink(std::unique_ptr<ImageSink> inner, const OldBundle& old) : inner_(std::move(inner)), old_(old) {}
  std::string name() const override { return inner_->name(); }
  std::optional<uint64_t> blob_size(const std::string& repository, const Digest& digest) override;
  bool mount_blob(const std::string& r, const Digest& d, const std::string& from) override {
    return inner_->mount_blob(r, d, from);
  }
  std::unique_ptr<BlobWriter> start_blob(const std::string& r, const BlobStart& start) override {
    return inner_->start_blob(r, start);
  }
  void put_blob(const std::string& r, const Digest& d, std::string_view bytes) override {
    inner_->put_blob(r, d, bytes);
  }
  std::optional<std::string> put_manifest(const std::string& r, const std::string& reference,
                                          std::string_view media_type, std::string_view bytes) override {
    return inner_->put_manifest(r, reference, media_type, bytes);
  }
  std::optional<FetchedManifest> get_manifest(const std::string& r, const std::string& reference) override {
    return inner_->get_manifest(r, reference);
  }
  std::optional<std::string> get_blob(const std::string& r, const Digest& d, size_t max) override {
    return inner_->get_blob(r, d, max);
  }

 private:
  std::unique_ptr<ImageSink> inner_;
  const OldBundle& old_;
};

}  // namespace ocipush
