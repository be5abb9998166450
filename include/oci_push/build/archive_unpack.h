// ADD of a local tar archive: unpacked into the destination (plain, gzip, bzip2 or xz, told by content),
// with no entry allowed to leave it.
#pragma once
#include <string>
#include <vector>

#include "oci_push/build/context_copy.h"
#include "oci_push/build/layer_tar.h"

namespace ocipush {

// Whether the file starts as a tar, or as gzip, bzip2 or xz (then ADD takes it for a compressed tar).
bool is_local_archive(const std::string& path);

// Appends the archive's entries under `destination` (image-relative, "" the root). Ownership is the
// archive's unless the request chowns; mtimes follow the request. Throws Error starting with
// request.where for an absolute or ".." path, a link that leaves the destination, or a damaged archive.
void unpack_archive(const std::string& path, const std::string& destination, const CopyRequest& request,
                    std::vector<LayerEntry>& out);

}  // namespace ocipush
