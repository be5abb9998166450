#include "oci_push/formats/local_source.h"

#include <sys/stat.h>

#include "oci_push/formats/blob_store.h"
#include "oci_push/formats/docker_archive.h"
#include "oci_push/formats/oci_layout.h"
#include "oci_push/formats/stream_source.h"
#include "oci_push/io/file_source.h"
#include "oci_push/io/tar_index.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

std::pair<std::string, std::string> split_first_colon(std::string_view rest) {
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return {std::string(rest), ""};
  return {std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
}

bool names_match(const std::string& name, std::string_view selector) {
  if (name == selector) return true;
  try {
    auto a = parse_reference(name);
    auto b = parse_reference(selector);
    return a.repository == b.repository && a.tag == b.tag &&
           (a.registry == b.registry || a.registry == "docker.io" || b.registry == "docker.io");
  } catch (const Error&) {
    return false;
  }
}

std::string label(const Artifact& a, size_t i) {
  std::string out;
  if (!a.names.empty()) out = a.names.front();
  else if (!a.tags.empty()) out = a.tags.front();
  else out = "(unnamed #" + std::to_string(i + 1) + ")";
  if (a.index) out += " (" + std::to_string(a.index->children.size()) + " platforms)";
  return out;
}

}  // namespace

SourceContents read_archive(std::shared_ptr<const ArchiveFiles> files, const SourceSpec& spec) {
  bool oci = files->has_file("oci-layout") && files->has_file("index.json");
  bool docker = files->has_file("manifest.json");
  const std::string where = files->name();
  if (spec.kind == SourceSpec::Kind::OciArchive && !oci)
    throw Error(where + ": no oci-layout and index.json inside (not an oci-archive)");
  if (spec.kind == SourceSpec::Kind::DockerArchive && !docker)
    throw Error(where + ": no manifest.json inside (not a docker save tarball)");
  if (oci && spec.kind != SourceSpec::Kind::DockerArchive)
    return read_oci_layout(std::make_shared<ArchiveBlobStore>(files), "oci-archive");
  if (!docker)
    throw Error(where + ": neither a docker save tarball (manifest.json) nor an OCI archive (oci-layout, index.json)");
  return DockerArchive(files).read_all();
}

SourceSpec parse_source_spec(std::string_view text) {
  SourceSpec spec;
  auto take = [&](std::string_view prefix, SourceSpec::Kind kind) {
    if (!text.starts_with(prefix)) return false;
    spec.kind = kind;
    std::tie(spec.path, spec.reference) = split_first_colon(text.substr(prefix.size()));
    if (spec.path.empty()) throw UsageError("invalid source " + in_quotes(text) + ": no path after the transport");
    return true;
  };
  if (take("oci:", SourceSpec::Kind::OciLayout) || take("oci-archive:", SourceSpec::Kind::OciArchive) ||
      take("docker-archive:", SourceSpec::Kind::DockerArchive))
    return spec;
  spec.path = std::string(text);
  return spec;
}

SourceContents open_source(const SourceSpec& spec, const StreamedFileHandler& on_streamed_file) {
  struct stat st;
  if (spec.path != "-" && stat(spec.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    if (spec.kind != SourceSpec::Kind::Auto && spec.kind != SourceSpec::Kind::OciLayout)
      throw Error(spec.path + ": is a directory, not an archive");
    return read_oci_layout(std::make_shared<DirectoryBlobStore>(spec.path), "oci-layout");
  }
  if (spec.kind == SourceSpec::Kind::OciLayout) throw Error(spec.path + ": not a directory (an OCI layout is one)");
  if (is_stream_source(spec))
    return read_stream_source(spec, on_streamed_file ? on_streamed_file : digest_streamed_file);

  auto file = std::make_shared<FileSource>(spec.path);
  auto index = TarIndex::build(*file);
  return read_archive(std::make_shared<TarFiles>(file, std::move(index)), spec);
}

std::string describe_artifacts(const SourceContents& source) {
  std::string out;
  for (size_t i = 0; i < source.artifacts.size(); ++i) out += (i ? ", " : "") + label(source.artifacts[i], i);
  return out;
}

size_t select_artifact(const SourceContents& source, std::string_view selector) {
  const auto& artifacts = source.artifacts;
  if (selector.empty()) {
    if (artifacts.size() == 1) return 0;
    throw Error(source.name + ": holds " + std::to_string(artifacts.size()) + " images (" + describe_artifacts(source) +
                "); choose one with --image NAME:TAG or --all");
  }
  for (size_t i = 0; i < artifacts.size(); ++i) {
    for (const auto& name : artifacts[i].names)
      if (names_match(name, selector)) return i;
    for (const auto& tag : artifacts[i].tags)
      if (tag == selector) return i;
  }
  throw Error(source.name + ": no image named " + in_quotes(selector) + " (it holds " + describe_artifacts(source) +
              ")");
}

}  // namespace ocipush
