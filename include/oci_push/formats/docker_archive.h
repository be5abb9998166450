// `docker save` tarballs (classic layout; also skopeo's and podman's docker-archive), read in place.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/formats/archive_files.h"
#include "oci_push/io/byte_source.h"
#include "oci_push/io/tar_index.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// One element of manifest.json.
struct DockerArchiveEntry {
  std::string config;                  // entry name of the config JSON
  std::vector<std::string> repo_tags;  // may be empty
  std::vector<std::string> layers;     // entry names, base layer first
  // "LayerSources": diff_id -> the descriptor a layer came with (docker records non-distributable ones).
  std::map<Digest, Descriptor> layer_sources;
};

// Parses manifest.json; throws Error naming `source_name` when it is not the docker-save shape.
std::vector<DockerArchiveEntry> parse_docker_archive_manifest(std::string_view json, std::string_view source_name);

class DockerArchive {
 public:
  explicit DockerArchive(std::shared_ptr<const ArchiveFiles> files);
  const std::vector<DockerArchiveEntry>& entries() const { return entries_; }
  // Loads the config, checks layer count against diff_ids, and slices each layer out of the tar.
  Image load(size_t index) const;
  // Every image, named by its RepoTags.
  SourceContents read_all() const;

 private:
  std::shared_ptr<const ArchiveFiles> files_;
  std::vector<DockerArchiveEntry> entries_;
};

// Compression detected from a layer's first bytes (gzip and zstd magic); None otherwise.
LayerCompression sniff_compression(const ByteSource& bytes);

}  // namespace ocipush
