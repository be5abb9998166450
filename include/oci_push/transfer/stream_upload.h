// A streamed source's large files sent on as the stream passes them (a compressed tarball or stdin
// cannot be read twice): the handler open_source calls before anything says which layer a file is.
#pragma once
#include <string>

#include "oci_push/formats/local_source.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/push_context.h"

namespace ocipush {

// Sends each file to `repo` in the sink (compressed with the push's codec when it is not compressed
// yet) and says where it went; with --dry-run only its digests are learned. Chunks are resumed, a
// file is never started over.
StreamedFileHandler stream_uploader(ImageSink& sink, const std::string& repo, PushContext& context);

}  // namespace ocipush
