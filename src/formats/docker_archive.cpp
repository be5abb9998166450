#include "oci_push/formats/docker_archive.h"

#include <nlohmann/json.hpp>

#include "oci_push/model/image_config.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

constexpr size_t kMaxManifestJson = 16 << 20;

std::vector<std::string> string_array(const nlohmann::json& j, const std::string& field, const std::string& where) {
  std::vector<std::string> out;
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw Error(where + ": " + in_quotes(field) + " is not a list");
  for (const auto& v : *it) {
    if (!v.is_string()) throw Error(where + ": " + in_quotes(field) + " holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::vector<DockerArchiveEntry> parse_docker_archive_manifest(std::string_view json, std::string_view source_name) {
  const std::string where = std::string(source_name) + ": manifest.json";
  auto j = parse_json_bounded(json);
  if (j.is_discarded()) throw Error(where + ": invalid JSON");
  if (!j.is_array()) throw Error(where + ": expected a list of images");
  if (j.empty()) throw Error(where + ": lists no image");
  std::vector<DockerArchiveEntry> entries;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + ": image " + std::to_string(i);
    const auto& item = j[i];
    if (!item.is_object()) throw Error(at + ": not an object");
    auto config = item.find("Config");
    if (config == item.end() || !config->is_string() || config->get<std::string>().empty())
      throw Error(at + ": missing \"Config\"");
    DockerArchiveEntry e;
    e.config = config->get<std::string>();
    e.repo_tags = string_array(item, "RepoTags", at);
    e.layers = string_array(item, "Layers", at);
    if (auto sources = item.find("LayerSources"); sources != item.end() && sources->is_object()) {
      for (const auto& [key, value] : sources->items()) {
        auto diff_id = Digest::parse(key);
        if (!diff_id) throw Error(at + ": LayerSources key " + in_quotes(key) + " is not a digest");
        e.layer_sources[*diff_id] = parse_descriptor_json(value.dump(), at + ": LayerSources " + key);
      }
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

LayerCompression sniff_compression(const ByteSource& bytes) {
  unsigned char magic[4] = {0, 0, 0, 0};
  size_t n = bytes.read_at(0, magic, sizeof magic);
  if (n >= 3 && magic[0] == 0x1f && magic[1] == 0x8b && magic[2] == 0x08) return LayerCompression::Gzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return LayerCompression::Zstd;
  return LayerCompression::None;
}

DockerArchive::DockerArchive(std::shared_ptr<const ArchiveFiles> files) : files_(std::move(files)) {
  auto manifest = files_->read_file("manifest.json", kMaxManifestJson);
  if (!manifest) throw Error(files_->name() + ": no manifest.json (not a docker save tarball)");
  entries_ = parse_docker_archive_manifest(*manifest, files_->name());
}

Image DockerArchive::load(size_t index) const {
  const auto& entry = entries_.at(index);
  const std::string source = files_->name();
  Image image;
  image.source_name = source;
  image.native_format = ManifestFormat::Docker;
  image.config_name = entry.config;
  image.config_media_type = std::string(media_type::kDockerConfig);

  auto config = files_->read_file(entry.config, kMaxConfigBytes);
  if (!config)
    throw Error(source + ": config " + in_quotes(entry.config) + " listed in manifest.json is not in the archive");
  image.config = std::move(*config);
  image.config_digest = sha256_of(image.config);
  auto diff_ids = parse_diff_ids(image.config, source + ": " + entry.config);
  if (diff_ids.size() != entry.layers.size())
    throw Error(source + ": manifest.json lists " + std::to_string(entry.layers.size()) + " layers but config " +
                in_quotes(entry.config) + " has " + std::to_string(diff_ids.size()) + " diff_ids");

  for (size_t i = 0; i < entry.layers.size(); ++i) {
    const auto& name = entry.layers[i];
    Layer l;
    l.name = name;
    l.diff_id = diff_ids[i];
    if (auto it = entry.layer_sources.find(l.diff_id);
        it != entry.layer_sources.end() && is_foreign_layer_media_type(it->second.media_type)) {
      // Non-distributable: listed with its original descriptor, never uploaded, its file optional.
      l.foreign = true;
      l.descriptor = it->second;
      l.stored_compression = compression_of_layer_media_type(it->second.media_type);
      l.bytes = files_->open_file(name);
    } else if (auto streamed = files_->streamed_file(name)) {
      take_streamed_layer(l, *streamed, source + ": layer " + std::to_string(i + 1) + " " + in_quotes(name));
    } else if (auto bytes = files_->open_file(name)) {
      l.bytes = bytes;
      l.stored_compression = sniff_compression(*l.bytes);
    } else {
      throw Error(source + ": layer " + in_quotes(name) + " listed in manifest.json is not in the archive");
    }
    image.layers.push_back(std::move(l));
  }
  return image;
}

SourceContents DockerArchive::read_all() const {
  SourceContents source;
  source.name = files_->name();
  source.kind = "docker-archive";
  source.keep_alive = files_;
  for (size_t i = 0; i < entries_.size(); ++i) {
    Artifact artifact;
    artifact.names = entries_[i].repo_tags;
    artifact.image = std::make_shared<Image>(load(i));
    source.artifacts.push_back(std::move(artifact));
  }
  return source;
}

}  // namespace ocipush
