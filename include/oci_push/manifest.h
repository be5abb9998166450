// The image manifest model and its JSON: Docker schema 2 and OCI image manifest v1.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/digest.h"

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
}  // namespace media_type

enum class ManifestFormat { Docker, Oci };
enum class LayerCompression { None, Gzip, Zstd };

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
};

struct ImageManifest {
  ManifestFormat format = ManifestFormat::Docker;
  Descriptor config;
  std::vector<Descriptor> layers;
};

std::string_view manifest_media_type(ManifestFormat format);
std::string_view config_media_type(ManifestFormat format);
std::string_view layer_media_type(ManifestFormat format, LayerCompression compression);
// Compression named by a layer media type; throws Error for a media type that is not a layer's.
LayerCompression compression_of_layer_media_type(std::string_view media_type);

// Serialised with the top-level mediaType always set; the same model always gives the same bytes.
std::string serialize_manifest(const ImageManifest& manifest);
// Parses an image manifest (either format); throws Error naming `source_name` on anything else.
ImageManifest parse_image_manifest(std::string_view json, std::string_view source_name);

}  // namespace ocipush
