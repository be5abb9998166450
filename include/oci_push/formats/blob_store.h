// Content-addressed blobs of an OCI image layout, in a directory or inside a tar, read in place.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "oci_push/formats/archive_files.h"
#include "oci_push/io/byte_source.h"
#include "oci_push/io/tar_index.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // blobs/<alg>/<hex>. Throws Error naming the store and digest when absent, not a regular file, outside
  // the layout (a symlink out of it), or of another size than `size`.
  virtual std::shared_ptr<const ByteSource> open_blob(const Digest& digest, uint64_t size) const = 0;
  virtual bool has_blob(const Digest& digest) const = 0;
  // A blob that was uploaded while a stream passed it; open_blob() cannot read those.
  virtual std::optional<StreamedBlob> streamed_blob(const Digest&) const { return std::nullopt; }
  // A small file at the root ("index.json", "oci-layout"); nullopt when absent; Error past `max_size`.
  virtual std::optional<std::string> read_root_file(const std::string& name, size_t max_size) const = 0;
  virtual std::string name() const = 0;
  // A manifest or index `d` names, whole (Error past `max_size`); the caller checks its digest. A
  // registry serves these from its manifest endpoint, a layout from blobs/.
  virtual std::string read_manifest(const Descriptor& d, size_t max_size) const;
  // Where the blob lives when it is in a registry, so a sink on that registry can mount it.
  virtual std::optional<RegistryBlob> remote_blob(const Descriptor&) const { return std::nullopt; }
};

// An OCI layout directory.
class DirectoryBlobStore : public BlobStore {
 public:
  explicit DirectoryBlobStore(const std::string& root);  // throws Error when root is not a directory
  std::shared_ptr<const ByteSource> open_blob(const Digest& digest, uint64_t size) const override;
  bool has_blob(const Digest& digest) const override;
  std::optional<std::string> read_root_file(const std::string& name, size_t max_size) const override;
  std::string name() const override { return root_; }

 private:
  std::string inside(const std::string& relative) const;  // resolved path, refused when it leaves root
  std::string root_;
  std::string real_root_;
};

// An OCI layout inside an archive (oci-archive, Docker 25+ save), in place or streamed.
class ArchiveBlobStore : public BlobStore {
 public:
  explicit ArchiveBlobStore(std::shared_ptr<const ArchiveFiles> files) : files_(std::move(files)) {}
  std::shared_ptr<const ByteSource> open_blob(const Digest& digest, uint64_t size) const override;
  bool has_blob(const Digest& digest) const override;
  std::optional<StreamedBlob> streamed_blob(const Digest& digest) const override;
  std::optional<std::string> read_root_file(const std::string& name, size_t max_size) const override;
  std::string name() const override { return files_->name(); }

 private:
  std::shared_ptr<const ArchiveFiles> files_;
};

}  // namespace ocipush
