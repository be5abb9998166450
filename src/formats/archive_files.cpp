#include "oci_push/formats/archive_files.h"

#include "oci_push/util/error.h"

namespace ocipush {

namespace {
// Streamed entries carry this bit in TarEntry::offset; small ones do not.
constexpr uint64_t kStreamedBit = 1ull << 63;

std::optional<TarEntry> regular_file(const TarIndex& index, std::string_view path) {
  auto entry = index.find(path);
  if (!entry || entry->type != TarEntry::Type::File) return std::nullopt;
  return entry;
}
}  // namespace

bool TarFiles::has_file(std::string_view path) const { return regular_file(index_, path).has_value(); }

std::optional<std::string> TarFiles::read_file(std::string_view path, size_t max_size) const {
  auto entry = regular_file(index_, path);
  if (!entry) return std::nullopt;
  return read_all(SliceSource(*tar_, entry->offset, entry->size, tar_->name() + ": " + std::string(path)), max_size);
}

std::shared_ptr<const ByteSource> TarFiles::open_file(std::string_view path) const {
  auto entry = regular_file(index_, path);
  if (!entry) return nullptr;
  return std::make_shared<SliceSource>(*tar_, entry->offset, entry->size, tar_->name() + ": " + std::string(path));
}

void StreamedFiles::add_small(const std::string& raw_path, std::string bytes) {
  TarEntry e;
  e.type = TarEntry::Type::File;
  e.size = bytes.size();
  e.offset = small_.size();
  index_.add(raw_path, e);
  small_.push_back(std::make_shared<StringSource>(std::move(bytes), name_ + ": " + raw_path));
}

void StreamedFiles::add_streamed(const std::string& raw_path, StreamedBlob blob) {
  TarEntry e;
  e.type = TarEntry::Type::File;
  e.size = blob.stored_size;
  e.offset = kStreamedBit | streamed_.size();
  index_.add(raw_path, e);
  streamed_.push_back(std::move(blob));
}

void StreamedFiles::add_other(const std::string& raw_path, TarEntry entry) { index_.add(raw_path, std::move(entry)); }

bool StreamedFiles::has_file(std::string_view path) const { return regular_file(index_, path).has_value(); }

std::optional<std::string> StreamedFiles::read_file(std::string_view path, size_t max_size) const {
  auto source = open_file(path);
  if (!source) {
    if (streamed_file(path))
      throw Error(name_ + ": " + std::string(path) + " is too large to have been kept while the stream was read");
    return std::nullopt;
  }
  return read_all(*source, max_size);
}

std::shared_ptr<const ByteSource> StreamedFiles::open_file(std::string_view path) const {
  auto entry = regular_file(index_, path);
  if (!entry || (entry->offset & kStreamedBit)) return nullptr;
  return small_.at(entry->offset);
}

std::optional<StreamedBlob> StreamedFiles::streamed_file(std::string_view path) const {
  auto entry = regular_file(index_, path);
  if (!entry || !(entry->offset & kStreamedBit)) return std::nullopt;
  return streamed_.at(entry->offset & ~kStreamedBit);
}

}  // namespace ocipush

namespace ocipush {

void take_streamed_layer(Layer& layer, const StreamedBlob& blob, const std::string& where) {
  if (layer.descriptor &&
      (blob.stored_digest != layer.descriptor->digest || blob.stored_size != layer.descriptor->size))
    throw Error(where + " does not match its descriptor (digest or size)");
  if (blob.uncompressed != layer.diff_id)
    throw Error(where + " has digest " + blob.uncompressed.str() + " but the config's rootfs.diff_ids says " +
                layer.diff_id.str());
  layer.stored_compression = blob.stored_compression;
  layer.stream_size = blob.stored_size;
  layer.remote = blob.delivered;
}

}  // namespace ocipush
