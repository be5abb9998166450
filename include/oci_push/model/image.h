// The image model every end shares: images and indexes with their raw manifest bytes, configs, and
// layers as descriptors plus where their bytes come from. No transfer state: sinks keep their own.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/io/byte_source.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// A layer's bytes held as a blob in a registry repository: a stream handed them there as it passed
// (in the compression the push chose), or a registry is where the image was read from.
struct RegistryBlob {
  std::string registry;  // host[:port] as the registry client names it
  std::string repository;
  Descriptor blob;  // digest and size there (media type: decided by whoever writes the manifest)
  LayerCompression compression = LayerCompression::None;
};

// A layer: what it is (diff_id, the source's descriptor) and where its bytes come from: `bytes` (re-readable:
// a local slice, or a registry blob read by GET), `remote` (the blob in a registry repository: mountable by
// a sink on that registry), both (read from a registry: mounted there, read elsewhere), or neither: a
// stream that went by and was only digested (inspect), whose bytes are gone.
struct Layer {
  std::string name;                         // where it lives in the source, for messages
  std::shared_ptr<const ByteSource> bytes;  // the layer as stored (re-readable, thread-safe)
  std::optional<RegistryBlob> remote;
  LayerCompression stored_compression = LayerCompression::None;
  uint64_t stream_size = 0;  // the size a stream showed, when `bytes` is null
  Digest diff_id;            // from the config: sha256 of the uncompressed tar
  // As the source's manifest lists it (OCI sources): the bytes must have this digest and size.
  std::optional<Descriptor> descriptor;
  bool foreign = false;  // non-distributable: listed in the manifest, never uploaded
  // A delta bundle's layer (pull --since) left out because the bundle named here holds it: the target
  // must have it already.
  std::optional<std::string> left_in;
  uint64_t stored_size() const { return bytes ? bytes->size() : stream_size; }
};

struct Image {
  std::string source_name;  // "image.tar", for messages
  std::string config_name;  // where the config lives in the source
  std::string config;       // the config bytes, pushed as they are
  Digest config_digest;
  std::string config_media_type;              // as the source's manifest names it (or docker's default)
  std::optional<RegistryBlob> config_remote;  // where the config lives when read from a registry (mountable)
  std::vector<Layer> layers;
  ManifestFormat native_format = ManifestFormat::Docker;
  // The source's own manifest, when it has one (OCI sources): pushed byte for byte when nothing changes.
  std::optional<std::string> manifest;
  Digest manifest_digest;
  // Put on a manifest written here (a build's base name and digest, --annotation); OCI manifests only.
  std::map<std::string, std::string> manifest_annotations;
};

struct Index;

// One thing a source names: an image or an index, with its names and (inside an index) its platform.
struct Artifact {
  // Full names: "app:1.0", "registry/app:1.0" (RepoTags, io.containerd.image.name, or a ref.name
  // that is a whole reference).
  std::vector<std::string> names;
  // Bare tags: org.opencontainers.image.ref.name as skopeo and umoci write it ("1.0").
  std::vector<std::string> tags;
  std::optional<Platform> platform;
  std::shared_ptr<const Image> image;  // exactly one of image and index is set
  std::shared_ptr<const Index> index;
};

struct Index {
  std::string source_name;
  std::string media_type;
  std::string bytes;  // the source's own index, pushed byte for byte when nothing changes
  Digest digest;
  std::vector<Artifact> children;
};

struct SourceContents {
  std::string name;  // the path the user gave
  std::string kind;  // "docker-archive", "oci-layout", "oci-archive"
  std::vector<Artifact> artifacts;
  std::shared_ptr<const void> keep_alive;  // the archive or directory the blobs are read from
};

}  // namespace ocipush
