// SOURCE on the command line -> what it holds: auto-detected by content, or forced by a transport prefix.
#pragma once
#include <string>
#include <string_view>

#include <memory>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/formats/archive_files.h"
#include "oci_push/model/image.h"

namespace ocipush {

struct SourceSpec {
  enum class Kind { Auto, OciLayout, OciArchive, DockerArchive };
  Kind kind = Kind::Auto;
  std::string path;       // "-" is standard input
  std::string reference;  // oci:DIR:REF, oci-archive:PATH:REF, docker-archive:PATH:NAME:TAG
};

// Pure. "oci:DIR[:REF]", "oci-archive:PATH[:REF]", "docker-archive:PATH[:NAME:TAG]", else a path.
SourceSpec parse_source_spec(std::string_view text);

// For a source read as a stream: consumes one large file (`read` gives it whole) and says what became
// of it (uploaded, or only digested).
using StreamedFileHandler =
    std::function<StreamedBlob(const std::string& path, LayerCompression compression, const ByteReader& read)>;

// Opens and reads the source: a directory is an OCI layout; a tar with oci-layout and index.json is an
// oci-archive (Docker 25+ saves are too, so their digests and media types survive); a tar with only
// manifest.json is a docker save; a compressed tarball or "-" is read as a stream, its large files
// going to `on_streamed_file` (default: digests only). Throws Error naming the path and what is wrong.
SourceContents open_source(const SourceSpec& spec, const StreamedFileHandler& on_streamed_file = nullptr);

// An archive's files (in place or streamed) read as an oci-archive or a docker save, as `spec` asks.
SourceContents read_archive(std::shared_ptr<const ArchiveFiles> files, const SourceSpec& spec);

// The artifact `selector` names ("name:tag" as in RepoTags, or a bare ref.name tag); with no selector,
// the only one. Throws Error listing what the source holds when there are several or none match.
size_t select_artifact(const SourceContents& source, std::string_view selector);

// "app:1.0, tool:2 (2 platforms)" for messages.
std::string describe_artifacts(const SourceContents& source);

}  // namespace ocipush
