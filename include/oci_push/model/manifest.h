// The image manifest model and its JSON: Docker schema 2 and OCI image manifest v1.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/model/digest.h"

namespace ocipush {

namespace media_type {
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr std::string_view kOciNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
}  // namespace media_type

enum class ManifestFormat { Docker, Oci };
// Opaque: not a layer tar at all (an artifact's blob: a signature, an SBOM), moved as it is, never opened.
enum class LayerCompression { None, Gzip, Zstd, Opaque };

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  std::vector<std::string> urls;                   // where a non-distributable layer lives
  std::map<std::string, std::string> annotations;  // kept when a manifest is rewritten
};

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string str() const;  // "linux/arm64/v8"
  // "linux/amd64", "linux/arm64/v8"; throws UsageError otherwise.
  static Platform parse(std::string_view text);
  // A selector without a variant matches any variant.
  bool matches(const Platform& selector) const;
};

// An entry of an OCI index or Docker manifest list.
struct IndexEntry {
  Descriptor descriptor;
  std::optional<Platform> platform;
};

struct ImageIndex {
  std::string media_type;  // OCI index or Docker manifest list
  std::vector<IndexEntry> manifests;
};

struct ImageManifest {
  ManifestFormat format = ManifestFormat::Docker;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;  // OCI only; a build's base name and digest
};

std::string_view manifest_media_type(ManifestFormat format);
std::string_view config_media_type(ManifestFormat format);
std::string_view layer_media_type(ManifestFormat format, LayerCompression compression);
// Compression named by a layer media type; throws Error for a media type that is not a layer's.
LayerCompression compression_of_layer_media_type(std::string_view media_type);

bool is_index_media_type(std::string_view media_type);
bool is_image_manifest_media_type(std::string_view media_type);
bool is_foreign_layer_media_type(std::string_view media_type);
// The media type a manifest or index document declares (top-level "mediaType"), else guessed from its
// shape ("manifests" → OCI index, "layers" → OCI manifest); throws Error naming `source_name`.
std::string document_media_type(std::string_view json, std::string_view source_name);

// Serialised with the top-level mediaType always set; the same model always gives the same bytes.
std::string serialize_manifest(const ImageManifest& manifest);
// One descriptor ({"mediaType","size","digest","urls"?,"annotations"?}); throws Error naming `where`.
Descriptor parse_descriptor_json(std::string_view json, const std::string& where);

// Parses an image manifest (either format); throws Error naming `source_name` on anything else.
ImageManifest parse_image_manifest(std::string_view json, std::string_view source_name);
// Parses an OCI index or Docker manifest list; throws Error naming `source_name`.
ImageIndex parse_image_index(std::string_view json, std::string_view source_name);
// The same index with the entries' descriptors replaced by `entries` (same count) and, when
// `media_type` differs, the index and its entries converted; other fields are kept as they were.
// The index with only the entries whose `keep` is true (a platform filter), everything else as it was.
std::string index_keeping(std::string_view json, const std::vector<bool>& keep);
std::string rewrite_image_index(std::string_view json, const std::string& media_type,
                                const std::vector<Descriptor>& entries);

}  // namespace ocipush
