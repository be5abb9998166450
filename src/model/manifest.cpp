#include "oci_push/model/manifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

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
    case LayerCompression::Opaque:
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
  throw Error("unsupported layer media type " + in_quotes(media_type));
}

namespace {

constexpr size_t kMaxIndexEntries = 10000;

ordered_json descriptor_json(const Descriptor& d) {
  ordered_json j;
  j["mediaType"] = d.media_type;
  j["size"] = d.size;
  j["digest"] = d.digest.str();
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j;
}

Error bad(std::string_view source_name, const std::string& where, const std::string& why) {
  return Error(std::string(source_name) + ": " + where + ": " + why);
}

Descriptor parse_descriptor(const nlohmann::json& j, std::string_view source_name, const std::string& where) {
  if (!j.is_object()) throw bad(source_name, where, "not an object");
  Descriptor d;
  if (!j.contains("mediaType") || !j["mediaType"].is_string()) throw bad(source_name, where, "missing mediaType");
  d.media_type = j["mediaType"].get<std::string>();
  if (!j.contains("size") || !j["size"].is_number_unsigned()) throw bad(source_name, where, "missing or negative size");
  d.size = j["size"].get<uint64_t>();
  auto digest =
      j.contains("digest") && j["digest"].is_string() ? Digest::parse(j["digest"].get<std::string>()) : std::nullopt;
  if (!digest) throw bad(source_name, where, "missing or malformed digest");
  d.digest = *digest;
  if (j.contains("urls") && j["urls"].is_array())
    for (const auto& u : j["urls"])
      if (u.is_string()) d.urls.push_back(u.get<std::string>());
  if (j.contains("annotations") && j["annotations"].is_object())
    for (const auto& [k, v] : j["annotations"].items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  return d;
}

nlohmann::json parse_object(std::string_view json, std::string_view source_name, const char* what) {
  auto j = parse_json_bounded(json);
  if (j.is_discarded() || !j.is_object()) throw Error(std::string(source_name) + ": " + what + " is not a JSON object");
  return j;
}

}  // namespace

Descriptor parse_descriptor_json(std::string_view json, const std::string& where) {
  auto j = parse_json_bounded(json);
  if (j.is_discarded()) throw Error(where + ": invalid JSON");
  return parse_descriptor(j, where, "descriptor");
}

std::string Platform::str() const { return os + "/" + architecture + (variant.empty() ? "" : "/" + variant); }

Platform Platform::parse(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool empty_part = std::any_of(parts.begin(), parts.end(), [](const std::string& s) { return s.empty(); });
  if (parts.size() < 2 || parts.size() > 3 || empty_part)
    throw UsageError("invalid platform " + in_quotes(text) + ": expected OS/ARCH[/VARIANT], e.g. linux/arm64");
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

bool Platform::matches(const Platform& selector) const {
  return os == selector.os && architecture == selector.architecture &&
         (selector.variant.empty() || variant == selector.variant);
}

bool is_index_media_type(std::string_view media_type) {
  return media_type == media_type::kOciIndex || media_type == media_type::kDockerManifestList;
}

bool is_image_manifest_media_type(std::string_view media_type) {
  return media_type == media_type::kOciManifest || media_type == media_type::kDockerManifest;
}

bool is_foreign_layer_media_type(std::string_view media_type) {
  return media_type == media_type::kDockerForeignLayer ||
         media_type.starts_with("application/vnd.oci.image.layer.nondistributable.");
}

std::string document_media_type(std::string_view json, std::string_view source_name) {
  auto j = parse_object(json, source_name, "manifest");
  if (j.contains("mediaType") && j["mediaType"].is_string()) return j["mediaType"].get<std::string>();
  // OCI makes the field optional; the shape tells.
  if (j.contains("manifests")) return std::string(media_type::kOciIndex);
  if (j.contains("layers") || j.contains("config")) return std::string(media_type::kOciManifest);
  throw Error(std::string(source_name) + ": neither an image manifest nor an index");
}

std::string serialize_manifest(const ImageManifest& manifest) {
  ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = std::string(manifest_media_type(manifest.format));
  j["config"] = descriptor_json(manifest.config);
  j["layers"] = ordered_json::array();
  for (const auto& layer : manifest.layers) j["layers"].push_back(descriptor_json(layer));
  if (!manifest.annotations.empty() && manifest.format == ManifestFormat::Oci) j["annotations"] = manifest.annotations;
  return j.dump(3);
}

ImageManifest parse_image_manifest(std::string_view json, std::string_view source_name) {
  auto j = parse_object(json, source_name, "manifest");
  std::string media = j.contains("mediaType") && j["mediaType"].is_string() ? j["mediaType"].get<std::string>()
                                                                            : std::string(media_type::kOciManifest);
  ImageManifest m;
  if (media == media_type::kDockerManifest) {
    m.format = ManifestFormat::Docker;
  } else if (media == media_type::kOciManifest) {
    m.format = ManifestFormat::Oci;
  } else {
    throw Error(std::string(source_name) + ": not an image manifest (mediaType " + in_quotes(media) + ")");
  }
  if (!j.contains("config")) throw Error(std::string(source_name) + ": manifest has no config");
  m.config = parse_descriptor(j["config"], source_name, "config");
  if (!j.contains("layers") || !j["layers"].is_array())
    throw Error(std::string(source_name) + ": manifest has no layers array");
  for (size_t i = 0; i < j["layers"].size(); ++i)
    m.layers.push_back(parse_descriptor(j["layers"][i], source_name, "layer " + std::to_string(i)));
  return m;
}

ImageIndex parse_image_index(std::string_view json, std::string_view source_name) {
  auto j = parse_object(json, source_name, "index");
  ImageIndex index;
  index.media_type = j.contains("mediaType") && j["mediaType"].is_string() ? j["mediaType"].get<std::string>()
                                                                           : std::string(media_type::kOciIndex);
  if (!is_index_media_type(index.media_type))
    throw Error(std::string(source_name) + ": not an index (mediaType " + in_quotes(index.media_type) + ")");
  if (!j.contains("manifests") || !j["manifests"].is_array())
    throw Error(std::string(source_name) + ": index has no manifests array");
  if (j["manifests"].size() > kMaxIndexEntries)
    throw Error(std::string(source_name) + ": index lists more than " + std::to_string(kMaxIndexEntries) +
                " manifests");
  for (size_t i = 0; i < j["manifests"].size(); ++i) {
    const auto& e = j["manifests"][i];
    IndexEntry entry{parse_descriptor(e, source_name, "manifests[" + std::to_string(i) + "]"), std::nullopt};
    if (e.contains("platform") && e["platform"].is_object()) {
      const auto& p = e["platform"];
      Platform platform;
      platform.os = p.value("os", "");
      platform.architecture = p.value("architecture", "");
      platform.variant = p.value("variant", "");
      entry.platform = platform;
    }
    index.manifests.push_back(std::move(entry));
  }
  return index;
}

std::string rewrite_image_index(std::string_view json, const std::string& media_type,
                                const std::vector<Descriptor>& entries) {
  if (!json_depth_within(json)) throw Error("rewrite_image_index: JSON nested too deeply");
  auto j = ordered_json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array())
    throw Error("rewrite_image_index: not an image index");
  // Before any reference into j is taken: ordered_json keeps members in a vector, and adding a
  // mediaType the index did not have moves them.
  j["mediaType"] = media_type;
  auto& manifests = j["manifests"];
  if (manifests.size() != entries.size()) throw Error("rewrite_image_index: entry count differs");
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& entry = manifests[i];
    if (!entry.is_object()) throw Error("rewrite_image_index: manifests[" + std::to_string(i) + "] is not an object");
    entry["mediaType"] = entries[i].media_type;
    entry["digest"] = entries[i].digest.str();
    entry["size"] = entries[i].size;
  }
  return j.dump(3);
}

std::string index_keeping(std::string_view json, const std::vector<bool>& keep) {
  if (!json_depth_within(json)) throw Error("index_keeping: JSON nested too deeply");
  auto j = ordered_json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array() || j["manifests"].size() != keep.size())
    throw Error("index_keeping: not an image index of " + std::to_string(keep.size()) + " entries");
  ordered_json kept = ordered_json::array();
  for (size_t i = 0; i < keep.size(); ++i)
    if (keep[i]) kept.push_back(j["manifests"][i]);
  j["manifests"] = std::move(kept);
  return j.dump(3);
}

}  // namespace ocipush
