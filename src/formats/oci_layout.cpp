#include "oci_push/formats/oci_layout.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "oci_push/formats/docker_archive.h"
#include "oci_push/model/image_config.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

bool is_image_config(std::string_view media_type) {
  return media_type == media_type::kOciConfig || media_type == media_type::kDockerConfig;
}

// An artifact rather than a runnable image (an OCI 1.1 referrer, a cosign signature or attestation):
// its blobs are moved as they are, whatever their media types, and need no diff_ids.
bool is_artifact(std::string_view manifest_bytes, const ImageManifest& manifest) {
  if (!is_image_config(manifest.config.media_type)) return true;
  auto j = parse_json_bounded(manifest_bytes);
  if (j.is_object() && (j.contains("subject") || j.contains("artifactType"))) return true;
  for (const auto& l : manifest.layers)
    for (const char* family : {"application/vnd.dev.cosign.", "application/vnd.in-toto", "application/vnd.dsse."})
      if (l.media_type.starts_with(family)) return true;
  return false;
}

// What a delta bundle leaves to the bundle it was made against: digest -> that bundle's name.
std::map<Digest, std::string> omitted_layers(const BlobStore& store) {
  std::map<Digest, std::string> out;
  auto text = store.read_root_file(kDeltaFile, 4 << 20);
  if (!text) return out;
  auto j = parse_json_bounded(*text);
  if (!j.is_object() || !j.contains("omitted") || !j["omitted"].is_array())
    throw Error(store.name() + ": " + kDeltaFile + " is not {\"since\": ..., \"omitted\": [...]}");
  const std::string since = j.contains("since") && j["since"].is_string() ? j["since"].get<std::string>() : "?";
  for (const auto& d : j["omitted"])
    if (auto digest = d.is_string() ? Digest::parse(d.get<std::string>()) : std::nullopt) out[*digest] = since;
  return out;
}

class LayoutReader {
 public:
  LayoutReader(std::shared_ptr<const BlobStore> store)
      : store_(std::move(store)), where_(store_->name()), omitted_(omitted_layers(*store_)) {}

  Artifact load(const Descriptor& d, int depth) {
    const std::string what = describe(d);
    if (depth > kMaxIndexDepth)
      throw Error(where_ + ": " + what + ": indexes nested deeper than " + std::to_string(kMaxIndexDepth) + " levels");
    if (!visiting_.insert(d.digest).second) throw Error(where_ + ": " + what + " references itself");
    Artifact artifact;
    if (is_index_media_type(d.media_type)) {
      artifact.index = load_index(d, depth);
    } else if (is_image_manifest_media_type(d.media_type)) {
      artifact.image = load_image(d);
    } else {
      throw Error(where_ + ": " + what + ": unsupported media type " + in_quotes(d.media_type));
    }
    visiting_.erase(d.digest);
    return artifact;
  }

 private:
  static std::string describe(const Descriptor& d) {
    return (is_index_media_type(d.media_type) ? "index " : "manifest ") + d.digest.str();
  }

  // A blob read whole: refused before reading when its descriptor claims more than `limit`.
  std::string read_verified(const Descriptor& d, size_t limit, const std::string& what, bool manifest = true) {
    if (d.size > limit)
      throw Error(where_ + ": " + what + " claims " + std::to_string(d.size) + " bytes, more than the " +
                  std::to_string(limit) + "-byte limit");
    auto bytes = manifest ? store_->read_manifest(d, limit) : read_all(*store_->open_blob(d.digest, d.size), limit);
    if (bytes.size() != d.size)
      throw Error(where_ + ": " + what + " is " + std::to_string(bytes.size()) + " bytes, its descriptor says " +
                  std::to_string(d.size));
    if (sha256_of(bytes) != d.digest) throw Error(where_ + ": " + what + ": content does not match its digest");
    return bytes;
  }

  std::shared_ptr<Index> load_index(const Descriptor& d, int depth) {
    const std::string what = describe(d);
    auto index = std::make_shared<Index>();
    index->source_name = where_;
    index->bytes = read_verified(d, kMaxManifestBytes, what);
    index->digest = d.digest;
    auto parsed = parse_image_index(index->bytes, where_ + ": " + what);
    index->media_type = parsed.media_type;
    if (document_media_type(index->bytes, where_) != d.media_type && !index->bytes.empty())
      throw Error(where_ + ": " + what + ": descriptor says " + d.media_type + " but the document is " +
                  parsed.media_type);
    for (const auto& entry : parsed.manifests) {
      auto child = load(entry.descriptor, depth + 1);
      child.platform = entry.platform;
      index->children.push_back(std::move(child));
    }
    return index;
  }

  std::shared_ptr<Image> load_image(const Descriptor& d) {
    const std::string what = describe(d);
    auto image = std::make_shared<Image>();
    image->source_name = where_;
    image->manifest = read_verified(d, kMaxManifestBytes, what);
    image->manifest_digest = d.digest;
    auto manifest = parse_image_manifest(*image->manifest, where_ + ": " + what);
    image->native_format = manifest.format;
    image->config_name = "config " + manifest.config.digest.str();
    image->config = read_verified(manifest.config, kMaxConfigBytes, what + ": " + image->config_name, false);
    image->config_digest = manifest.config.digest;
    image->config_media_type = manifest.config.media_type;
    image->config_remote = store_->remote_blob(manifest.config);
    const bool artifact = is_artifact(*image->manifest, manifest);
    std::vector<Digest> diff_ids;
    try {
      diff_ids = parse_diff_ids(image->config, where_ + ": " + image->config_name);
    } catch (const Error&) {
      if (!artifact) throw;  // an artifact's config need not be an image's
    }
    if (diff_ids.size() != manifest.layers.size() && !artifact)
      throw Error(where_ + ": " + what + " lists " + std::to_string(manifest.layers.size()) +
                  " layers but its config has " + std::to_string(diff_ids.size()) + " diff_ids");
    if (diff_ids.size() != manifest.layers.size()) diff_ids.assign(manifest.layers.size(), Digest{});
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      const auto& ld = manifest.layers[i];
      Layer layer;
      layer.name = "layer " + ld.digest.str();
      layer.diff_id = diff_ids[i];
      layer.descriptor = ld;
      try {
        layer.stored_compression = compression_of_layer_media_type(ld.media_type);
      } catch (const Error&) {
        if (!artifact)
          throw Error(where_ + ": " + what + ": layer " + std::to_string(i + 1) + " has unsupported media type " +
                      in_quotes(ld.media_type));
        layer.stored_compression = LayerCompression::Opaque;  // a signature, an SBOM: moved as it is
      }
      // An artifact's uncompressed blob is still never compressed on the way: its digest is the point.
      if (artifact && layer.stored_compression == LayerCompression::None)
        layer.stored_compression = LayerCompression::Opaque;
      layer.foreign = is_foreign_layer_media_type(ld.media_type);
      if (auto streamed = store_->streamed_blob(ld.digest)) {
        take_streamed_layer(layer, *streamed, where_ + ": blob " + ld.digest.str());
      } else if (auto left = omitted_.find(ld.digest); left != omitted_.end() && !store_->has_blob(ld.digest)) {
        layer.left_in = left->second;
      } else if (!layer.foreign || store_->has_blob(ld.digest)) {
        // A foreign layer need not be in the layout: it is never uploaded.
        layer.bytes = store_->open_blob(ld.digest, ld.size);
        layer.remote = store_->remote_blob(ld);
      }
      image->layers.push_back(std::move(layer));
    }
    return image;
  }

  std::shared_ptr<const BlobStore> store_;
  std::string where_;
  std::map<Digest, std::string> omitted_;
  std::set<Digest> visiting_;
};

void add_names(Artifact& artifact, const Descriptor& d) {
  if (auto it = d.annotations.find(kContainerdNameAnnotation); it != d.annotations.end())
    artifact.names.push_back(familiar_name(it->second));
  if (auto it = d.annotations.find(kRefNameAnnotation); it != d.annotations.end()) {
    const std::string& ref = it->second;
    if (is_valid_tag(ref)) {
      artifact.tags.push_back(ref);
    } else if (ref.find(':') != std::string::npos || ref.find('/') != std::string::npos) {
      auto name = familiar_name(ref);
      if (std::find(artifact.names.begin(), artifact.names.end(), name) == artifact.names.end())
        artifact.names.push_back(name);
    }
  }
}

}  // namespace

std::string familiar_name(const std::string& name) {
  std::string out = name;
  if (out.starts_with("docker.io/")) out = out.substr(10);
  if (out.starts_with("library/") && out.find('/', 8) == std::string::npos) out = out.substr(8);
  return out;
}

Artifact read_layout_artifact(std::shared_ptr<const BlobStore> store, const Descriptor& top) {
  LayoutReader reader(store);
  return reader.load(top, 1);
}

SourceContents read_oci_layout(std::shared_ptr<const BlobStore> store, const std::string& kind) {
  const std::string where = store->name();
  auto layout = store->read_root_file("oci-layout", 64 << 10);
  if (!layout) throw Error(where + ": no oci-layout file (not an OCI image layout)");
  auto layout_json = parse_json_bounded(*layout);
  if (!layout_json.is_object() || !layout_json.contains("imageLayoutVersion"))
    throw Error(where + ": oci-layout is not {\"imageLayoutVersion\": ...}");
  auto index_text = store->read_root_file("index.json", kMaxManifestBytes);
  if (!index_text) throw Error(where + ": no index.json");
  auto index = parse_image_index(*index_text, where + ": index.json");

  SourceContents source;
  source.name = where;
  source.kind = kind;
  LayoutReader reader(store);
  for (const auto& entry : index.manifests) {
    auto artifact = reader.load(entry.descriptor, 1);
    artifact.platform = entry.platform;
    add_names(artifact, entry.descriptor);
    source.artifacts.push_back(std::move(artifact));
  }
  if (source.artifacts.empty()) throw Error(where + ": index.json lists no image");
  source.keep_alive = store;
  return source;
}

}  // namespace ocipush
