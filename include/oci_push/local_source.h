// SOURCE on the command line -> what it holds: auto-detected by content, or forced by a transport prefix.
#pragma once
#include <string>
#include <string_view>

#include "oci_push/local_image.h"

namespace ocipush {

struct SourceSpec {
  enum class Kind { Auto, OciLayout, OciArchive, DockerArchive };
  Kind kind = Kind::Auto;
  std::string path;       // "-" is standard input
  std::string reference;  // oci:DIR:REF, oci-archive:PATH:REF, docker-archive:PATH:NAME:TAG
};

// Pure. "oci:DIR[:REF]", "oci-archive:PATH[:REF]", "docker-archive:PATH[:NAME:TAG]", else a path.
SourceSpec parse_source_spec(std::string_view text);

// Opens and reads the source: a directory is an OCI layout; a tar with oci-layout and index.json is an
// oci-archive (Docker 25+ saves are too, so their digests and media types survive); a tar with only
// manifest.json is a docker save. Throws Error naming the path and what is wrong.
LocalSource open_source(const SourceSpec& spec);

// The artifact `selector` names ("name:tag" as in RepoTags, or a bare ref.name tag); with no selector,
// the only one. Throws Error listing what the source holds when there are several or none match.
size_t select_artifact(const LocalSource& source, std::string_view selector);

// "app:1.0, tool:2 (2 platforms)" for messages.
std::string describe_artifacts(const LocalSource& source);

}  // namespace ocipush
