#include "oci_push/transfer/image_plan.h"

#include <algorithm>

#include "oci_push/util/error.h"

namespace ocipush {

ManifestFormat format_for(const Image& image, const std::optional<ManifestFormat>& format, const LayerCodec& codec) {
  if (format) return *format;
  for (const auto& l : image.layers) {
    if (l.stored_compression == LayerCompression::Zstd) return ManifestFormat::Oci;
    if (l.stored_compression == LayerCompression::None && !l.foreign && codec.compression != LayerCompression::Gzip)
      return ManifestFormat::Oci;
  }
  return image.native_format;
}

std::string layer_media_type_for(const Layer& layer, ManifestFormat format, bool converted, const LayerCodec& codec) {
  if (layer.stored_compression == LayerCompression::Opaque) {
    if (converted) throw Error(layer.name + " is an artifact's blob, which --format cannot convert");
    return layer.descriptor->media_type;
  }
  if (layer.descriptor && !converted && layer.stored_compression != LayerCompression::None)
    return layer.descriptor->media_type;
  if (layer.foreign) {
    if (layer.stored_compression != LayerCompression::Gzip)
      throw Error("cannot convert non-distributable layer " + layer.name + " (" +
                  (layer.descriptor ? layer.descriptor->media_type : std::string("?")) + ") to another format");
    return std::string(format == ManifestFormat::Docker ? media_type::kDockerForeignLayer
                                                        : media_type::kOciNondistributableGzip);
  }
  LayerCompression compression =
      layer.stored_compression == LayerCompression::None ? codec.compression : layer.stored_compression;
  if (compression != LayerCompression::Gzip && format == ManifestFormat::Docker)
    throw Error(layer.name + (compression == LayerCompression::Zstd ? " is zstd-compressed" : " is not compressed") +
                ", which a Docker schema 2 manifest cannot express; use --format oci");
  return std::string(layer_media_type(format, compression));
}

std::string index_media_type(ManifestFormat format) {
  return std::string(format == ManifestFormat::Oci ? media_type::kOciIndex : media_type::kDockerManifestList);
}

BuiltManifest build_image_manifest(const Image& image, ManifestFormat format, ManifestResult result) {
  const bool converted = format != image.native_format;
  const bool recompressed = std::any_of(image.layers.begin(), image.layers.end(), [](const Layer& l) {
    return !l.foreign && l.stored_compression == LayerCompression::None;
  });
  BuiltManifest built;
  result.media_type = std::string(manifest_media_type(format));
  if (image.manifest && !converted && !recompressed) {
    built.bytes = *image.manifest;  // byte for byte: its digest, and any signature over it, survive
    result.digest = image.manifest_digest;
  } else {
    ImageManifest manifest{format, result.config.descriptor, {}, image.manifest_annotations};
    for (const auto& l : result.layers) manifest.layers.push_back(l.descriptor);
    built.bytes = serialize_manifest(manifest);
    result.digest = sha256_of(built.bytes);
  }
  result.size = built.bytes.size();
  built.result = std::move(result);
  return built;
}

BuiltManifest build_index(const Index& index, const std::string& media_type, std::vector<BuiltManifest> children) {
  BuiltManifest built;
  bool changed = media_type != index.media_type;
  std::vector<Descriptor> entries;
  for (size_t i = 0; i < children.size(); ++i) {
    const auto& source_child = index.children[i];
    const Digest& original = source_child.image ? source_child.image->manifest_digest : source_child.index->digest;
    auto& child = children[i];
    changed = changed || child.result.digest != original;
    entries.push_back({child.result.media_type, child.result.digest, child.bytes.size(), {}, {}});
    built.result.manifests.push_back(std::move(child.result));
  }
  built.bytes = changed ? rewrite_image_index(index.bytes, media_type, entries) : index.bytes;
  built.result.media_type = media_type;
  built.result.digest = changed ? sha256_of(built.bytes) : index.digest;
  built.result.size = built.bytes.size();
  return built;
}

}  // namespace ocipush
