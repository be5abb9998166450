#include "oci_push/model/image_config.h"

#include <nlohmann/json.hpp>

#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"

namespace ocipush {

std::vector<Digest> parse_diff_ids(std::string_view config_json, std::string_view source_name) {
  const std::string where(source_name);
  auto j = parse_json_bounded(config_json);
  if (j.is_discarded() || !j.is_object()) throw Error(where + ": image config is not a JSON object");
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) throw Error(where + ": image config has no rootfs");
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end() || !ids->is_array()) throw Error(where + ": image config has no rootfs.diff_ids");
  std::vector<Digest> result;
  for (size_t i = 0; i < ids->size(); ++i) {
    const auto& id = (*ids)[i];
    auto digest = id.is_string() ? Digest::parse(id.get<std::string>()) : std::nullopt;
    if (!digest) throw Error(where + ": rootfs.diff_ids[" + std::to_string(i) + "] is not a valid digest");
    result.push_back(*digest);
  }
  return result;
}

}  // namespace ocipush
