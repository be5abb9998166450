// An OCI image layout as an ImageSink (pull's destination): blobs written beside their final name and
// renamed when their digest is confirmed, so nothing half-written looks complete; a half-written blob
// is continued by the next writer (this run's retry or the next run) from where it stopped; index.json
// replaced atomically under a lock, so pulls into one layout at once lose no entry.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "oci_push/formats/oci_layout.h"
#include "oci_push/model/image_sink.h"

namespace ocipush {

// The oci-layout file every OCI image layout begins with.
inline constexpr std::string_view kOciLayoutFileContent = R"({"imageLayoutVersion":"1.0.0"})";

// Pure: `index_json` (empty: none yet) with an entry for `manifest` named `name` (both annotations),
// replacing any entry of that name; other entries kept as they are.
std::string index_with_entry(std::string_view index_json, const Descriptor& manifest, const std::string& name);

class LayoutSink : public ImageSink {
 public:
  // `root` is made a layout when it does not exist or is an empty directory; an existing layout is
  // added to. Anything else is refused (Error naming it), before anything is written. Tags are stored
  // as "REGISTRY/REPOSITORY:TAG" with REGISTRY = `registry`.
  // `create` false (a dry run): nothing is ever written; a layout that does not exist yet is empty.
  LayoutSink(std::string root, std::string registry, bool create = true);
  std::string name() const override { return root_; }

  std::optional<uint64_t> blob_size(const std::string& repository, const Digest& digest) override;
  bool mount_blob(const std::string&, const Digest&, const std::string&) override { return false; }
  std::unique_ptr<BlobWriter> start_blob(const std::string& repository, const BlobStart& start) override;
  void put_blob(const std::string& repository, const Digest& digest, std::string_view bytes) override;
  std::optional<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                          std::string_view media_type, std::string_view bytes) override;
  std::optional<FetchedManifest> get_manifest(const std::string& repository, const std::string& reference) override;
  std::optional<std::string> get_blob(const std::string& repository, const Digest& digest, size_t max_size) override;

  // index.json names `manifest` (which the layout holds) `name`, replacing an entry of that name.
  void name_manifest(const Descriptor& manifest, const std::string& name);

 private:
  std::string blob_path(const Digest& digest) const;

  std::string root_;
  std::string registry_;
};

// Makes `root` a layout (oci-layout written) unless it is one; refuses what LayoutSink refuses. With
// `create` false, only refuses.
void prepare_layout(const std::string& root, bool create = true);

}  // namespace ocipush
