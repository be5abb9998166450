// An image read from a local source (docker-save tarball today), ready to be pushed.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/byte_source.h"
#include "oci_push/digest.h"
#include "oci_push/manifest.h"

namespace ocipush {

struct LocalLayer {
  std::string name;                       // where it lives in the source, for messages
  std::shared_ptr<const ByteSource> bytes;  // the layer as stored (re-readable, thread-safe)
  LayerCompression stored_compression = LayerCompression::None;
  Digest diff_id;                         // from the config: sha256 of the uncompressed tar
};

struct LocalImage {
  std::string source_name;                // "image.tar"
  std::string config_name;                // entry name of the config
  std::string config;                     // the config bytes, pushed as they are
  Digest config_digest;
  std::vector<LocalLayer> layers;
  std::vector<std::string> repo_tags;     // "name:tag" as the tarball records them
  ManifestFormat native_format = ManifestFormat::Docker;
  std::shared_ptr<const ByteSource> archive;  // keeps the tar that the layers slice alive
};

}  // namespace ocipush
