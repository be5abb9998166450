#include "oci_push/docker_archive.h"

#include <nlohmann/json.hpp>

#include "oci_push/error.h"
#include "oci_push/image_config.h"
#include "oci_push/reference.h"

namespace ocipush {

namespace {

constexpr size_t kMaxManifestJson = 16 << 20;
constexpr size_t kMaxConfigJson = 16 << 20;

std::vector<std::string> string_array(const nlohmann::json& j, const std::string& field, const std::string& where) {
  std::vector<std::string> out;
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw Error(where + ": \"" + field + "\" is not a list");
  for (const auto& v : *it) {
    if (!v.is_string()) throw Error(where + ": \"" + field + "\" holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::vector<DockerArchiveEntry> parse_docker_archive_manifest(std::string_view json, std::string_view source_name) {
  const std::string where = std::string(source_name) + ": manifest.json";
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
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

DockerArchive::DockerArchive(std::shared_ptr<const ByteSource> tar, TarIndex index)
    : tar_(std::move(tar)), index_(std::move(index)) {
  auto manifest = index_.find("manifest.json");
  if (!manifest) throw Error(tar_->name() + ": no manifest.json (not a docker save tarball)");
  if (manifest->type != TarEntry::Type::File) throw Error(tar_->name() + ": manifest.json is not a regular file");
  if (manifest->size > kMaxManifestJson) throw Error(tar_->name() + ": manifest.json is too large");
  entries_ = parse_docker_archive_manifest(read_exact(*tar_, manifest->offset, manifest->size), tar_->name());
}

LocalImage DockerArchive::load(size_t index) const {
  const auto& entry = entries_.at(index);
  const std::string& source = tar_->name();
  LocalImage image;
  image.source_name = source;
  image.native_format = ManifestFormat::Docker;
  image.config_name = entry.config;
  image.config_media_type = std::string(media_type::kDockerConfig);

  auto config = index_.find(entry.config);
  if (!config || config->type != TarEntry::Type::File)
    throw Error(source + ": config \"" + entry.config + "\" listed in manifest.json is not in the archive");
  if (config->size > kMaxConfigJson) throw Error(source + ": config \"" + entry.config + "\" is too large");
  image.config = read_exact(*tar_, config->offset, config->size);
  image.config_digest = sha256_of(image.config);
  auto diff_ids = parse_diff_ids(image.config, source + ": " + entry.config);
  if (diff_ids.size() != entry.layers.size())
    throw Error(source + ": manifest.json lists " + std::to_string(entry.layers.size()) + " layers but config \"" +
                entry.config + "\" has " + std::to_string(diff_ids.size()) + " diff_ids");

  for (size_t i = 0; i < entry.layers.size(); ++i) {
    const auto& name = entry.layers[i];
    auto layer = index_.find(name);
    if (!layer || layer->type != TarEntry::Type::File)
      throw Error(source + ": layer \"" + name + "\" listed in manifest.json is not in the archive");
    LocalLayer l;
    l.name = name;
    l.bytes = std::make_shared<SliceSource>(*tar_, layer->offset, layer->size, source + ": " + name);
    l.stored_compression = sniff_compression(*l.bytes);
    l.diff_id = diff_ids[i];
    image.layers.push_back(std::move(l));
  }
  return image;
}

LocalSource DockerArchive::read_all() const {
  LocalSource source;
  source.name = tar_->name();
  source.kind = "docker-archive";
  source.keep_alive = tar_;
  for (size_t i = 0; i < entries_.size(); ++i) {
    LocalArtifact artifact;
    artifact.names = entries_[i].repo_tags;
    artifact.image = std::make_shared<LocalImage>(load(i));
    source.artifacts.push_back(std::move(artifact));
  }
  return source;
}

}  // namespace ocipush
