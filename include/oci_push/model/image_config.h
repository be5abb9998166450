// The parts of an image config (Docker / OCI) that a push depends on.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

#include "oci_push/model/digest.h"

namespace ocipush {

// The largest config any end reads (docker and the OCI tools accept configs of a few MiB at most).
inline constexpr size_t kMaxConfigBytes = 16 << 20;

// rootfs.diff_ids in order; throws Error naming `source_name` when the JSON, rootfs or a digest is bad.
std::vector<Digest> parse_diff_ids(std::string_view config_json, std::string_view source_name);

}  // namespace ocipush
