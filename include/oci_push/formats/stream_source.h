// A source read as a stream, in one pass and without a temporary copy: a compressed tarball (gzip,
// zstd, xz, bzip2) or standard input. Layers cannot be read twice, so each large file is handed to a
// handler (which uploads it) as the stream passes it, before manifest.json or index.json say what it is.
#pragma once
#include <functional>
#include <string>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/formats/archive_files.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/model/image.h"

namespace ocipush {

// Files up to this size are kept in memory (manifests, configs, small layers); larger ones are streamed.
inline constexpr size_t kStreamSmallFile = 1 << 20;
// JSON documents are kept even when larger, up to the config limit.
inline constexpr size_t kStreamLargestJson = 16 << 20;
// Bounds the memory the kept files may take.
inline constexpr size_t kStreamKeptTotal = 256 << 20;

// True for "-" and for files that start with a compression format's magic bytes.
bool is_stream_source(const SourceSpec& spec);

// Reads the stream with libarchive; Error naming the path for a corrupt or truncated stream.
SourceContents read_stream_source(const SourceSpec& spec, const StreamedFileHandler& handler);

// A handler that only learns digests (inspect): nothing is uploaded.
StreamedBlob digest_streamed_file(const std::string& path, LayerCompression compression, const ByteReader& read);

}  // namespace ocipush
