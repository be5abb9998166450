#include "oci_push/formats/layout_sink.h"

#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "oci_push/formats/blob_store.h"
#include "oci_push/formats/layout_blob_writer.h"
#include "oci_push/io/file_source.h"
#include "oci_push/io/file_writes.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace fs = std::filesystem;

namespace {


bool is_digest(const std::string& reference) { return reference.find(':') != std::string::npos; }

}  // namespace

std::string index_with_entry(std::string_view index_json, const Descriptor& manifest, const std::string& name) {
  nlohmann::ordered_json index =
      index_json.empty() ? nlohmann::ordered_json::object() : nlohmann::ordered_json::parse(index_json);
  if (!index.is_object()) throw Error("index.json is not a JSON object");
  if (!index.contains("schemaVersion")) index["schemaVersion"] = 2;
  if (!index.contains("mediaType")) index["mediaType"] = "application/vnd.oci.image.index.v1+json";
  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  if (index.contains("manifests") && index["manifests"].is_array())
    for (const auto& entry : index["manifests"]) {
      const auto* annotations = entry.is_object() && entry.contains("annotations") ? &entry["annotations"] : nullptr;
      auto named = [&](const char* key) {
        return annotations && annotations->is_object() && annotations->contains(key) && (*annotations)[key] == name;
      };
      if (!named(kRefNameAnnotation) && !named(kContainerdNameAnnotation)) kept.push_back(entry);
    }
  nlohmann::ordered_json entry = {{"mediaType", manifest.media_type},
                                  {"digest", manifest.digest.str()},
                                  {"size", manifest.size},
                                  {"annotations", {{kContainerdNameAnnotation, name}, {kRefNameAnnotation, name}}}};
  kept.push_back(std::move(entry));
  index["manifests"] = std::move(kept);
  return index.dump(2) + "\n";
}

void prepare_layout(const std::string& root, bool create) {
  std::error_code ec;
  auto status = fs::status(root, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) throw Error(root + ": exists and is not a directory (an OCI layout is one)");
    if (fs::exists(fs::path(root) / "oci-layout")) return;
    if (!fs::is_empty(root, ec))
      throw Error(root +
                  ": exists, is not empty and is not an OCI layout (no oci-layout file); refusing to write into it");
  }
  if (!create) return;
  fs::create_directories(fs::path(root) / "blobs" / "sha256", ec);
  if (ec) throw Error(root + ": cannot create the layout: " + ec.message());
  replace_file((fs::path(root) / "oci-layout").string(), std::string(kOciLayoutFileContent));
}

LayoutSink::LayoutSink(std::string root, std::string registry, bool create)
    : root_(std::move(root)), registry_(std::move(registry)) {
  prepare_layout(root_, create);
}

std::string LayoutSink::blob_path(const Digest& digest) const {
  return (fs::path(root_) / "blobs" / digest.algorithm / digest.hex).string();
}

std::optional<uint64_t> LayoutSink::blob_size(const std::string&, const Digest& digest) {
  struct stat st {};
  if (::stat(blob_path(digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

std::unique_ptr<BlobWriter> LayoutSink::start_blob(const std::string&, const BlobStart& start) {
  std::error_code ec;
  fs::create_directories(fs::path(root_) / "blobs" / "sha256", ec);
  return std::make_unique<LayoutBlobWriter>((fs::path(root_) / "blobs").string(), start.blob);
}

void LayoutSink::put_blob(const std::string&, const Digest& digest, std::string_view bytes) {
  if (sha256_of(bytes) != digest) throw Error(root_ + ": blob " + digest.str() + " given with other content");
  if (blob_size("", digest)) return;
  std::error_code ec;
  fs::create_directories(fs::path(blob_path(digest)).parent_path(), ec);
  replace_file(blob_path(digest), bytes);
}

std::optional<std::string> LayoutSink::put_manifest(const std::string& repository, const std::string& reference,
                                                    std::string_view media_type, std::string_view bytes) {
  const Digest digest = sha256_of(bytes);
  if (is_digest(reference) && reference != digest.str())
    throw Error(root_ + ": manifest stored as " + reference + " has digest " + digest.str());
  put_blob(repository, digest, bytes);
  if (!is_digest(reference))
    name_manifest({std::string(media_type), digest, bytes.size(), {}, {}},
                  registry_ + "/" + repository + ":" + reference);
  return digest.str();
}

// Under the lock on oci-layout (never replaced, unlike index.json): read, add, replace.
void LayoutSink::name_manifest(const Descriptor& manifest, const std::string& name) {
  FileLock lock((fs::path(root_) / "oci-layout").string());
  const std::string path = (fs::path(root_) / "index.json").string();
  std::string current;
  if (fs::exists(path)) current = read_all(FileSource(path), 4 << 20);
  try {
    replace_file(path, index_with_entry(current, manifest, name));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not valid JSON (" + std::string(e.what()) + "); not changed");
  }
}

std::optional<FetchedManifest> LayoutSink::get_manifest(const std::string& repository, const std::string& reference) {
  if (!is_digest(reference)) return std::nullopt;  // tags are planned from the source, not the layout
  auto digest = Digest::parse(reference);
  if (!digest) return std::nullopt;
  auto body = get_blob(repository, *digest, 4 << 20);
  if (!body) return std::nullopt;
  return FetchedManifest{document_media_type(*body, root_), std::move(*body), *digest};
}

std::optional<std::string> LayoutSink::get_blob(const std::string&, const Digest& digest, size_t max_size) {
  if (!blob_size("", digest)) return std::nullopt;
  auto body = read_all(FileSource(blob_path(digest)), max_size);
  if (sha256_of(body) != digest) return std::nullopt;
  return body;
}

}  // namespace ocipush
