// `oci-push inspect SOURCE`: what a local source holds, as text or JSON, without pushing anything.
#pragma once
#include <string>

#include "oci_push/model/image.h"

namespace ocipush {

// Pure: formats what open_source() read. JSON: {"source","kind","artifacts":[image | index]}.
std::string format_inspection(const SourceContents& source, bool json);

// The subcommand: argv after "inspect". Returns the exit status; throws UsageError / Error.
int run_inspect(int argc, const char* const* argv);

}  // namespace ocipush
