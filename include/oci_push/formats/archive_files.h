// The files of an archive by name: indexed in place (a tar file) or collected while a stream went by.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/io/byte_source.h"
#include "oci_push/io/tar_index.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// A file that was consumed as the stream passed it, before anything said what it was: its digests, and
// where its bytes went (nowhere when it was only digested).
struct StreamedBlob {
  Digest stored_digest;  // sha256 of the file as it was in the archive
  uint64_t stored_size = 0;
  LayerCompression stored_compression = LayerCompression::None;
  Digest uncompressed;  // sha256 after decompression (stored_digest when not compressed)
  std::optional<RegistryBlob> delivered;
};

// A layer read from a stream: its digests checked against what the source says of it (`diff_id`, and the
// descriptor when there is one), its bytes where the stream's handler put them. Error naming `where`.
void take_streamed_layer(Layer& layer, const StreamedBlob& blob, const std::string& where);

class ArchiveFiles {
 public:
  virtual ~ArchiveFiles() = default;
  virtual std::string name() const = 0;
  virtual bool has_file(std::string_view path) const = 0;
  // A regular file read whole (links followed); nullopt when absent; Error past `max_size`.
  virtual std::optional<std::string> read_file(std::string_view path, size_t max_size) const = 0;
  // Random-access bytes of a regular file; nullptr when absent, or when it was streamed past.
  virtual std::shared_ptr<const ByteSource> open_file(std::string_view path) const = 0;
  virtual std::optional<StreamedBlob> streamed_file(std::string_view /*path*/) const { return std::nullopt; }
};

// A tar file on disk, indexed once; entries are slices of it.
class TarFiles : public ArchiveFiles {
 public:
  TarFiles(std::shared_ptr<const ByteSource> tar, TarIndex index) : tar_(std::move(tar)), index_(std::move(index)) {}
  std::string name() const override { return tar_->name(); }
  bool has_file(std::string_view path) const override;
  std::optional<std::string> read_file(std::string_view path, size_t max_size) const override;
  std::shared_ptr<const ByteSource> open_file(std::string_view path) const override;

 private:
  std::shared_ptr<const ByteSource> tar_;
  TarIndex index_;
};

// What a single pass over a tar stream kept: small files in memory, large ones as StreamedBlobs.
class StreamedFiles : public ArchiveFiles {
 public:
  explicit StreamedFiles(std::string name) : name_(name), index_(std::move(name)) {}
  void add_small(const std::string& raw_path, std::string bytes);
  void add_streamed(const std::string& raw_path, StreamedBlob blob);
  void add_other(const std::string& raw_path, TarEntry entry);  // directories and links
  std::string name() const override { return name_; }
  bool has_file(std::string_view path) const override;
  std::optional<std::string> read_file(std::string_view path, size_t max_size) const override;
  std::shared_ptr<const ByteSource> open_file(std::string_view path) const override;
  std::optional<StreamedBlob> streamed_file(std::string_view path) const override;

 private:
  std::string name_;
  TarIndex index_;  // offset: the position in small_ or streamed_
  std::vector<std::shared_ptr<const StringSource>> small_;
  std::vector<StreamedBlob> streamed_;
};

}  // namespace ocipush
