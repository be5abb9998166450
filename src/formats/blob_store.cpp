#include "oci_push/formats/blob_store.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "oci_push/io/file_source.h"
#include "oci_push/util/error.h"

namespace ocipush {

std::string BlobStore::read_manifest(const Descriptor& d, size_t max_size) const {
  return read_all(*open_blob(d.digest, d.size), max_size);
}

namespace {

std::string blob_path(const Digest& digest) { return "blobs/" + digest.algorithm + "/" + digest.hex; }

void check_size(const ByteSource& bytes, const std::string& store, const Digest& digest, uint64_t size) {
  if (bytes.size() != size)
    throw Error(store + ": blob " + digest.str() + " is " + std::to_string(bytes.size()) +
                " bytes but its descriptor says " + std::to_string(size));
}

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) return std::nullopt;
  return std::string(buf);
}

}  // namespace

DirectoryBlobStore::DirectoryBlobStore(const std::string& root) : root_(root) {
  struct stat st;
  if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error(root + ": not a directory");
  real_root_ = real_path(root).value_or(root);
}

std::string DirectoryBlobStore::inside(const std::string& relative) const {
  std::string path = root_ + "/" + relative;
  auto real = real_path(path);
  if (!real) return {};
  if (!real->starts_with(real_root_ + "/"))
    throw Error(root_ + ": " + relative + " resolves outside the layout directory; refusing to read it");
  return *real;
}

std::shared_ptr<const ByteSource> DirectoryBlobStore::open_blob(const Digest& digest, uint64_t size) const {
  std::string path = inside(blob_path(digest));
  if (path.empty()) throw Error(root_ + ": blob " + digest.str() + " is missing (no " + blob_path(digest) + ")");
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(root_ + ": blob " + digest.str() + " is not a regular file");
  auto source = std::make_shared<FileSource>(path);
  check_size(*source, root_, digest, size);
  return source;
}

bool DirectoryBlobStore::has_blob(const Digest& digest) const { return !inside(blob_path(digest)).empty(); }

std::optional<std::string> DirectoryBlobStore::read_root_file(const std::string& name, size_t max_size) const {
  std::string path = inside(name);
  if (path.empty()) return std::nullopt;
  FileSource file(path);
  return read_all(file, max_size);
}

std::shared_ptr<const ByteSource> ArchiveBlobStore::open_blob(const Digest& digest, uint64_t size) const {
  auto source = files_->open_file(blob_path(digest));
  if (!source) {
    if (files_->streamed_file(blob_path(digest)))
      throw Error(files_->name() + ": blob " + digest.str() + " was streamed past and cannot be read again");
    throw Error(files_->name() + ": blob " + digest.str() + " is missing (no " + blob_path(digest) + ")");
  }
  check_size(*source, files_->name(), digest, size);
  return source;
}

bool ArchiveBlobStore::has_blob(const Digest& digest) const { return files_->has_file(blob_path(digest)); }

std::optional<StreamedBlob> ArchiveBlobStore::streamed_blob(const Digest& digest) const {
  return files_->streamed_file(blob_path(digest));
}

std::optional<std::string> ArchiveBlobStore::read_root_file(const std::string& name, size_t max_size) const {
  return files_->read_file(name, max_size);
}

}  // namespace ocipush
