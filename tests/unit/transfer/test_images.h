// Images built in memory for whole-push tests: uncompressed layers (as a docker save holds them) or
// gzip layers with their own manifest (as an OCI layout holds them).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "fakes/zlib_gzip.h"
#include "oci_push/io/byte_source.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"

namespace ocipush::testing {

inline std::string config_with(const std::vector<Digest>& diff_ids, const std::string& arch = "amd64") {
  std::string ids;
  for (const auto& d : diff_ids) ids += (ids.empty() ? "\"" : ",\"") + d.str() + "\"";
  return R"({"architecture":")" + arch + R"(","os":"linux","rootfs":{"type":"layers","diff_ids":[)" + ids + "]}}";
}

// A docker save's image: each layer an uncompressed tar (any bytes do: only digests are checked).
inline std::shared_ptr<Image> uncompressed_image(const std::vector<std::string>& layers,
                                                 const std::string& arch = "amd64") {
  auto image = std::make_shared<Image>();
  image->source_name = "memory.tar";
  std::vector<Digest> diff_ids;
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer l;
    l.name = "layer" + std::to_string(i) + ".tar";
    l.bytes = std::make_shared<StringSource>(layers[i], l.name);
    l.diff_id = sha256_of(layers[i]);
    diff_ids.push_back(l.diff_id);
    image->layers.push_back(std::move(l));
  }
  image->config = config_with(diff_ids, arch);
  image->config_digest = sha256_of(image->config);
  image->config_media_type = std::string(media_type::kDockerConfig);
  return image;
}

// An OCI layout's image: gzip layers listed in the image's own manifest bytes.
inline std::shared_ptr<Image> gzip_oci_image(const std::vector<std::string>& layers,
                                             const std::string& arch = "amd64") {
  auto image = std::make_shared<Image>();
  image->source_name = "memory-layout";
  image->native_format = ManifestFormat::Oci;
  std::vector<Digest> diff_ids;
  ImageManifest manifest{ManifestFormat::Oci, {}, {}};
  for (const auto& tar : layers) {
    std::string gz = zlib_gzip(tar);
    Layer l;
    l.descriptor = Descriptor{std::string(media_type::kOciLayerGzip), sha256_of(gz), gz.size(), {}, {}};
    l.name = "layer " + l.descriptor->digest.str();
    l.bytes = std::make_shared<StringSource>(gz, l.name);
    l.stored_compression = LayerCompression::Gzip;
    l.diff_id = sha256_of(tar);
    diff_ids.push_back(l.diff_id);
    manifest.layers.push_back(*l.descriptor);
    image->layers.push_back(std::move(l));
  }
  image->config = config_with(diff_ids, arch);
  image->config_digest = sha256_of(image->config);
  image->config_media_type = std::string(media_type::kOciConfig);
  manifest.config = {image->config_media_type, image->config_digest, image->config.size(), {}, {}};
  image->manifest = serialize_manifest(manifest);
  image->manifest_digest = sha256_of(*image->manifest);
  return image;
}

// An OCI index over `children` (with their platforms), as its own bytes.
inline std::shared_ptr<Index> index_of(const std::vector<std::shared_ptr<Image>>& children,
                                       const std::vector<std::string>& arches) {
  auto index = std::make_shared<Index>();
  index->source_name = "memory-layout";
  index->media_type = std::string(media_type::kOciIndex);
  std::string entries;
  for (size_t i = 0; i < children.size(); ++i) {
    const auto& child = children[i];
    const std::string digest = child->manifest ? child->manifest_digest.str() : sha256_of("unknown").str();
    const size_t size = child->manifest ? child->manifest->size() : 7;
    entries += std::string(i ? "," : "") + R"({"mediaType":")" + std::string(media_type::kOciManifest) +
               R"(","digest":")" + digest + R"(","size":)" + std::to_string(size) + R"(,"platform":{"architecture":")" +
               arches[i] + R"(","os":"linux"}})";
    Artifact a;
    a.image = child;
    a.platform = Platform{"linux", arches[i], ""};
    index->children.push_back(std::move(a));
  }
  index->bytes = R"({"schemaVersion":2,"mediaType":")" + index->media_type + R"(","manifests":[)" + entries + "]}";
  index->digest = sha256_of(index->bytes);
  return index;
}

inline SourceContents contents_of(std::vector<Artifact> artifacts) {
  SourceContents c;
  c.name = "memory";
  c.kind = "test";
  c.artifacts = std::move(artifacts);
  return c;
}

inline Artifact named(std::shared_ptr<Image> image, const std::string& name) {
  Artifact a;
  a.names = {name};
  a.image = std::move(image);
  return a;
}

}  // namespace ocipush::testing
