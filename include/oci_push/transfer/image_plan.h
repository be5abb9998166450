// Pure decisions of a push: which manifest format an image goes out in, each layer's media type, and
// the manifest or index bytes (the source's own when nothing changed, so digests and signatures survive).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oci_push/codec/layer_codec.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"
#include "oci_push/transfer/push.h"

namespace ocipush {

// A manifest or index ready to be stored, and what went into it.
struct BuiltManifest {
  std::string bytes;
  ManifestResult result;
};

// --format, else the source's own; Docker schema 2 has no zstd (or plain tar) layer type, so such
// images go out as OCI unless told otherwise.
ManifestFormat format_for(const Image& image, const std::optional<ManifestFormat>& format, const LayerCodec& codec);

// The media type layer `layer` is pushed with. Throws Error for a layer the format cannot express.
std::string layer_media_type_for(const Layer& layer, ManifestFormat format, bool converted, const LayerCodec& codec);

std::string index_media_type(ManifestFormat format);

// The image manifest for `result`'s config and layers: `image`'s own bytes when the format is unchanged
// and no layer was compressed here, else a new one. Sets result's digest, media type and size.
BuiltManifest build_image_manifest(const Image& image, ManifestFormat format, ManifestResult result);

// The index over `children` (each child's result and bytes as pushed): the source's bytes when nothing
// changed, else rewritten with the new digests (and `media_type`).
BuiltManifest build_index(const Index& index, const std::string& media_type, std::vector<BuiltManifest> children);

}  // namespace ocipush
