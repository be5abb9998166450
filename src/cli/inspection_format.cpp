#include "oci_push/cli/inspection_format.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "oci_push/util/progress.h"

namespace ocipush {

namespace {

using ordered_json = nlohmann::ordered_json;

const char* compression_name(LayerCompression c) {
  switch (c) {
    case LayerCompression::Gzip:
      return "gzip";
    case LayerCompression::Zstd:
      return "zstd";
    case LayerCompression::Opaque:
      return "opaque";
    case LayerCompression::None:
      break;
  }
  return "none";
}

// Full names, then bare ref.name tags not already among them.
std::vector<std::string> all_names(const Artifact& a) {
  std::vector<std::string> out = a.names;
  for (const auto& t : a.tags)
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

ordered_json image_json(const Artifact& a) {
  const Image& image = *a.image;
  ordered_json j;
  j["type"] = "image";
  j["names"] = all_names(a);
  j["mediaType"] = std::string(manifest_media_type(image.native_format));
  if (image.manifest) j["digest"] = image.manifest_digest.str();
  if (a.platform) j["platform"] = a.platform->str();
  j["config"] = {
      {"digest", image.config_digest.str()}, {"size", image.config.size()}, {"mediaType", image.config_media_type}};
  j["layers"] = ordered_json::array();
  for (const auto& l : image.layers) {
    ordered_json layer;
    if (l.descriptor) {
      layer["digest"] = l.descriptor->digest.str();
      layer["size"] = l.descriptor->size;
      layer["mediaType"] = l.descriptor->media_type;
    } else {
      layer["size"] = l.stored_size();
    }
    layer["compression"] = compression_name(l.stored_compression);
    if (!l.diff_id.hex.empty()) layer["diffId"] = l.diff_id.str();  // an artifact's blob has none
    if (l.foreign) layer["foreign"] = true;
    j["layers"].push_back(layer);
  }
  return j;
}

ordered_json artifact_json(const Artifact& a) {
  if (a.image) return image_json(a);
  ordered_json j;
  j["type"] = "index";
  j["names"] = all_names(a);
  j["mediaType"] = a.index->media_type;
  j["digest"] = a.index->digest.str();
  if (a.platform) j["platform"] = a.platform->str();
  j["images"] = ordered_json::array();
  for (const auto& child : a.index->children) j["images"].push_back(artifact_json(child));
  return j;
}

void write_text(std::ostringstream& out, const Artifact& a, const std::string& indent) {
  std::string names;
  for (const auto& n : a.names) names += " " + n;
  for (const auto& t : a.tags) names += " " + t;
  std::string platform = a.platform ? " [" + a.platform->str() + "]" : "";
  if (a.index) {
    out << indent << "index" << names << platform << " " << a.index->digest.str() << " (" << a.index->media_type
        << ")\n";
    for (const auto& child : a.index->children) write_text(out, child, indent + "  ");
    return;
  }
  const Image& image = *a.image;
  out << indent << "image" << names << platform;
  if (image.manifest) out << " " << image.manifest_digest.str();
  out << " (" << manifest_media_type(image.native_format) << ")\n";
  out << indent << "  config " << image.config_digest.str() << " " << image.config.size() << " B\n";
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const auto& l = image.layers[i];
    out << indent << "  layer " << i + 1 << " ";
    if (l.descriptor) out << l.descriptor->digest.str() << " ";
    out << human_size(l.descriptor ? l.descriptor->size : l.stored_size()) << " "
        << compression_name(l.stored_compression) << (l.foreign ? " foreign" : "")
        << (l.diff_id.hex.empty() ? "" : " diff_id " + l.diff_id.str()) << "\n";
  }
}

}  // namespace

std::string format_inspection(const SourceContents& source, bool json) {
  if (json) {
    ordered_json j;
    j["source"] = source.name;
    j["kind"] = source.kind;
    j["artifacts"] = ordered_json::array();
    for (const auto& a : source.artifacts) j["artifacts"].push_back(artifact_json(a));
    return j.dump(2) + "\n";
  }
  std::ostringstream out;
  out << source.name << ": " << source.kind << ", " << source.artifacts.size()
      << (source.artifacts.size() == 1 ? " image or index\n" : " images or indexes\n");
  for (const auto& a : source.artifacts) write_text(out, a, "");
  return out.str();
}

}  // namespace ocipush
