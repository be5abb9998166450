// --chown=user[:group]: numbers as they are; names looked up in the image's /etc/passwd and /etc/group,
// from what the build added or, failing that, from the base layers that hold them (the only time a build
// reads a base layer).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oci_push/build/context_copy.h"
#include "oci_push/build/stage_builder.h"
#include "oci_push/model/image.h"

namespace ocipush {

// Throws Error starting with `where` for a name the files do not have, or a malformed spec.
FileOwner resolve_owner(const std::string& spec, const StageResult& stage, const std::string& where);

// Pure: the id of `name` in a passwd or group file's text (the third field), nullopt if absent.
std::optional<uint64_t> id_in_account_file(const std::string& text, const std::string& name);

// The content of `path` ("etc/passwd") in the image the layers make (the top layer that has it, whiteouts
// honoured); nullopt when no layer has it. Reads compressed layers through their ByteSource.
std::optional<std::string> file_in_layers(const std::vector<Layer>& layers, const std::string& path);

}  // namespace ocipush
