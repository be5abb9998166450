// OCI image layouts (directory, oci-archive, Docker 25+ save): index.json walked down to every image.
#pragma once
#include <memory>
#include <string>

#include "oci_push/formats/blob_store.h"
#include "oci_push/model/image.h"

namespace ocipush {

inline constexpr size_t kMaxManifestBytes = 4 << 20;  // the distribution spec's limit
inline constexpr int kMaxIndexDepth = 8;
// A delta bundle's list of the layers it leaves to an older bundle: {"since": NAME, "omitted": [DIGEST...]}.
inline constexpr const char* kDeltaFile = "oci-push-delta.json";

// How index.json names an image: skopeo's and umoci's tag (or a whole reference), and containerd's name.
inline constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr const char* kContainerdNameAnnotation = "io.containerd.image.name";

// Reads oci-layout and index.json, then every manifest, nested index and config they name, each
// checked against its descriptor's digest and size. Layers are opened, not read. Throws Error naming
// the store and the item for a missing blob, a wrong digest or size, an unsupported media type, an
// index nested deeper than kMaxIndexDepth or naming itself, and sizes past the limits above.
SourceContents read_oci_layout(std::shared_ptr<const BlobStore> store, const std::string& kind);
// The same walk from one manifest or index of `store` (a registry's, for pull and copy), checked alike.
Artifact read_layout_artifact(std::shared_ptr<const BlobStore> store, const Descriptor& top);

// "docker.io/library/app:1.0" -> "app:1.0", "docker.io/team/app:1" -> "team/app:1" (how RepoTags look).
std::string familiar_name(const std::string& name);

}  // namespace ocipush
