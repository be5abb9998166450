// A layer a build adds: its entries, normalised by the reproducible profile (docs/build.md), and the tar
// they make, laid out in place (headers in memory, files read from where they are when it is sent).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oci_push/build/composed_source.h"

namespace ocipush {

struct LayerEntry {
  enum class Kind { File, Directory, Symlink, Hardlink };
  std::string path;  // in the image, relative ("app/bin/x"): no leading or trailing '/', no "." or ".."
  Kind kind = Kind::File;
  unsigned mode = 0644;  // permission bits with setuid, setgid and sticky
  uint64_t uid = 0;
  uint64_t gid = 0;
  int64_t mtime = 0;
  std::string link_target;          // a symlink's target as stored, or a hard link's path in the layer
  std::optional<PlannedFile> file;  // a file's data on disk ...
  std::string data;                 // ... else held here (a heredoc, a fetched URL)
  uint64_t size() const { return file ? file->size : data.size(); }
};

// Parents the layer must carry as their own entries: every one on scratch (there is nothing to inherit),
// none on a base image (its directories may have their own modes and owners, which an entry here would
// overwrite; an unpacker makes a missing one 0755 root, as Docker does).
struct ParentPolicy {
  bool all = true;
  unsigned mode = 0755;
  uint64_t uid = 0;
  uint64_t gid = 0;
  int64_t mtime = 0;
  std::set<std::string> existing;  // directories an earlier layer made: never repeated
};

// Sorted bytewise by path, a later entry for the same path replacing an earlier one, the parents the
// policy asks for added, and a file whose device and inode an earlier file has written as a hard link.
std::vector<LayerEntry> normalize_layer(std::vector<LayerEntry> entries, const ParentPolicy& parents);

// The tar of `entries` (already normalised), ending in two zero blocks.
std::shared_ptr<ComposedSource> compose_layer_tar(const std::vector<LayerEntry>& entries, std::string name);

}  // namespace ocipush
