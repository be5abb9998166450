// COPY and ADD from the build context as BuildKit defines them (sources by Go glob, a directory's
// contents, trailing-slash rules, WORKDIR-relative destinations), planned into a layer's entries. Reads
// only the file system's metadata; the files' bytes are read when the layer is sent.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/build/layer_tar.h"

namespace ocipush {

// The directory a build reads, with what .dockerignore hides: `hidden(path)` for a context-relative path
// ("src/main.c", "" is the root) says whether the build may see it.
struct BuildContext {
  std::string root;
  std::function<bool(const std::string&)> hidden;
};

struct FileOwner {
  uint64_t uid = 0;
  uint64_t gid = 0;
};

struct CopyRequest {
  std::vector<std::string> sources;  // as written, expanded: context-relative, globs allowed
  std::string destination;           // as written, expanded
  std::string workdir = "/";         // the stage's WORKDIR when the destination is relative
  std::optional<FileOwner> owner;    // --chown, resolved to numbers
  std::optional<unsigned> mode;      // --chmod
  std::function<bool(const std::string&)> excluded;  // --exclude, on context-relative paths (may be empty)
  bool unpack_archives = false;      // ADD: a local tar (plain, gzip, bzip2, xz) is unpacked
  std::optional<int64_t> mtime;      // every mtime (SOURCE_DATE_EPOCH); nullopt keeps the files' own
  std::string where;                 // "Dockerfile:7", for messages
};

struct PlannedCopy {
  std::vector<LayerEntry> entries;
  std::string destination;  // absolute, cleaned: where the copy went (its created parents start here)
};

// The entries `request` adds. Throws Error starting with `request.where` for a source outside the
// context, one that is missing or hidden, a glob that matches nothing, several sources without a
// directory destination, or an archive entry that would leave the destination.
PlannedCopy plan_context_copy(const BuildContext& context, const CopyRequest& request);

// A heredoc or fetched file written to `destination` (relative to workdir; a directory when it ends in '/',
// then named `name`).
PlannedCopy plan_inline_file(const std::string& name, std::string data, const CopyRequest& request, unsigned mode);

}  // namespace ocipush
