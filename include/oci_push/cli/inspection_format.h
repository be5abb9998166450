// What `oci-push inspect` prints: a local source's images, indexes and layers, as text or JSON (pure).
#pragma once
#include <string>

#include "oci_push/model/image.h"

namespace ocipush {

// Formats what open_source() read. JSON: {"source","kind","artifacts":[image | index]}.
std::string format_inspection(const SourceContents& source, bool json);

}  // namespace ocipush
