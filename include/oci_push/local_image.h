// What a local source holds, whatever its format: images and indexes, ready to be pushed.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/archive_files.h"
#include "oci_push/byte_source.h"
#include "oci_push/digest.h"
#include "oci_push/manifest.h"

namespace ocipush {

struct LocalLayer {
  std::string name;                         // where it lives in the source, for messages
  std::shared_ptr<const ByteSource> bytes;  // the layer as stored (re-readable, thread-safe)
  LayerCompression stored_compression = LayerCompression::None;
  Digest diff_id;                           // from the config: sha256 of the uncompressed tar
  // As the source's manifest lists it (OCI sources): the bytes must have this digest and size.
  std::optional<Descriptor> descriptor;
  bool foreign = false;                     // non-distributable: listed in the manifest, never uploaded
  // Read from a stream: already uploaded while the stream passed it (`bytes` is null then).
  std::optional<StreamedBlob> streamed;
  uint64_t stored_size() const { return bytes ? bytes->size() : streamed ? streamed->stored_size : 0; }
};

struct LocalImage {
  std::string source_name;                  // "image.tar", for messages
  std::string config_name;                  // where the config lives in the source
  std::string config;                       // the config bytes, pushed as they are
  Digest config_digest;
  std::string config_media_type;            // as the source's manifest names it (or docker's default)
  std::vector<LocalLayer> layers;
  ManifestFormat native_format = ManifestFormat::Docker;
  // The source's own manifest, when it has one (OCI sources): pushed byte for byte when nothing changes.
  std::optional<std::string> manifest;
  Digest manifest_digest;
};

struct LocalIndex;

// One thing a source names: an image or an index, with its names and (inside an index) its platform.
struct LocalArtifact {
  // Full names: "app:1.0", "registry/app:1.0" (RepoTags, io.containerd.image.name, or a ref.name
  // that is a whole reference).
  std::vector<std::string> names;
  // Bare tags: org.opencontainers.image.ref.name as skopeo and umoci write it ("1.0").
  std::vector<std::string> tags;
  std::optional<Platform> platform;
  std::shared_ptr<const LocalImage> image;  // exactly one of image and index is set
  std::shared_ptr<const LocalIndex> index;
};

struct LocalIndex {
  std::string source_name;
  std::string media_type;
  std::string bytes;  // the source's own index, pushed byte for byte when nothing changes
  Digest digest;
  std::vector<LocalArtifact> children;
};

struct LocalSource {
  std::string name;                // the path the user gave
  std::string kind;                // "docker-archive", "oci-layout", "oci-archive"
  std::vector<LocalArtifact> artifacts;
  std::shared_ptr<const void> keep_alive;  // the archive or directory the blobs are read from
};

}  // namespace ocipush
