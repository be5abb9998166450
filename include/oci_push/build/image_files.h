// An image's files read out of its layers, for what a build must see of them: COPY --from an image (or a
// stage's base), and --chown names in /etc/passwd and /etc/group. The only place a build reads a layer.
#pragma once
#include <string>
#include <vector>

#include "oci_push/build/layer_tar.h"
#include "oci_push/model/image.h"

namespace ocipush {

// The entries at or under `roots` ("etc/passwd", "app"; "" is everything) in the file system `layers`
// make, bottom to top: whiteouts and opaque directories honoured, a hard link to a file turned into a copy
// of it. Files' data is held (at most 1 GiB in all; Error beyond). Throws Error naming a layer that cannot
// be read or is not a tar.
std::vector<LayerEntry> files_in_layers(const std::vector<Layer>& layers, const std::vector<std::string>& roots);

}  // namespace ocipush
