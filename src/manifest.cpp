#include "oci_push/manifest.h"

#include <nlohmann/json.hpp>

#include "oci_push/error.h"

namespace ocipush {

using ordered_json = nlohmann::ordered_json;

std::string_view manifest_media_type(ManifestFormat format) {
  return format == ManifestFormat::Docker ? media_type::kDockerManifest : media_type::kOciManifest;
}

std::string_view config_media_type(ManifestFormat format) {
  return format == ManifestFormat::Docker ? media_type::kDockerConfig : media_type::kOciConfig;
}

std::string_view layer_media_type(ManifestFormat format, LayerCompression compression) {
  switch (compression) {
    case LayerCompression::Gzip:
      return format == ManifestFormat::Docker ? media_type::kDockerLayerGzip : media_type::kOciLayerGzip;
    case LayerCompression::Zstd:
      // Docker schema 2 has no zstd type of its own; registries and runtimes accept the OCI one.
      return media_type::kOciLayerZstd;
    case LayerCompression::None:
      break;
  }
  return media_type::kOciLayerTar;
}

LayerCompression compression_of_layer_media_type(std::string_view media_type) {
  using namespace media_type;
  if (media_type == kDockerLayerGzip || media_type == kOciLayerGzip ||
      media_type == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" ||
      media_type == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")
    return LayerCompression::Gzip;
  if (media_type == kOciLayerZstd || media_type == "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")
    return LayerCompression::Zstd;
  if (media_type == kOciLayerTar || media_type == "application/vnd.oci.image.layer.nondistributable.v1.tar")
    return LayerCompression::None;
  throw Error("unsupported layer media type \"" + std::string(media_type) + "\"");
}

static ordered_json descriptor_json(const Descriptor& d) {
  ordered_json j;
  j["mediaType"] = d.media_type;
  j["size"] = d.size;
  j["digest"] = d.digest.str();
  return j;
}

std::string serialize_manifest(const ImageManifest& manifest) {
  ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = std::string(manifest_media_type(manifest.format));
  j["config"] = descriptor_json(manifest.config);
  j["layers"] = ordered_json::array();
  for (const auto& layer : manifest.layers) j["layers"].push_back(descriptor_json(layer));
  return j.dump(3);
}

static Descriptor parse_descriptor(const nlohmann::json& j, std::string_view source_name, const std::string& where) {
  auto fail = [&](const std::string& why) -> Error {
    return Error(std::string(source_name) + ": " + where + ": " + why);
  };
  if (!j.is_object()) throw fail("not an object");
  Descriptor d;
  if (!j.contains("mediaType") || !j["mediaType"].is_string()) throw fail("missing mediaType");
  d.media_type = j["mediaType"].get<std::string>();
  if (!j.contains("size") || !j["size"].is_number_unsigned()) throw fail("missing or negative size");
  d.size = j["size"].get<uint64_t>();
  auto digest = j.contains("digest") && j["digest"].is_string() ? Digest::parse(j["digest"].get<std::string>())
                                                                 : std::nullopt;
  if (!digest) throw fail("missing or malformed digest");
  d.digest = *digest;
  return d;
}

ImageManifest parse_image_manifest(std::string_view json, std::string_view source_name) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw Error(std::string(source_name) + ": manifest is not a JSON object");
  std::string media = j.value("mediaType", std::string(media_type::kOciManifest));
  ImageManifest m;
  if (media == media_type::kDockerManifest) {
    m.format = ManifestFormat::Docker;
  } else if (media == media_type::kOciManifest) {
    m.format = ManifestFormat::Oci;
  } else {
    throw Error(std::string(source_name) + ": not an image manifest (mediaType \"" + media + "\")");
  }
  if (!j.contains("config")) throw Error(std::string(source_name) + ": manifest has no config");
  m.config = parse_descriptor(j["config"], source_name, "config");
  if (!j.contains("layers") || !j["layers"].is_array())
    throw Error(std::string(source_name) + ": manifest has no layers array");
  for (size_t i = 0; i < j["layers"].size(); ++i)
    m.layers.push_back(parse_descriptor(j["layers"][i], source_name, "layer " + std::to_string(i)));
  return m;
}

}  // namespace ocipush
