#include "oci_push/formats/tar_bundle.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "oci_push/formats/layout_sink.h"
#include "oci_push/formats/oci_layout.h"
#include "oci_push/io/file_source.h"
#include "oci_push/io/file_writes.h"
#include "oci_push/io/tar_writing.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {


std::string blob_name(const Digest& d) { return "blobs/" + d.algorithm + "/" + d.hex; }

}  // namespace

// The journal notes a blob's written prefix at this granularity (a line per 8 MiB): what a killed run
// wrote up to the last note is continued by the next, the rest written again.
constexpr uint64_t kProgressNoteBytes = 8 << 20;

// [offset, offset+size) of the partial archive: a half-written blob's held start.
class PartialWindow : public ByteSource {
 public:
  PartialWindow(const std::string& path, uint64_t offset, uint64_t size)
      : file_(path), window_(file_, offset, size, path) {}
  uint64_t size() const override { return window_.size(); }
  size_t read_at(uint64_t offset, void* buf, size_t len) const override { return window_.read_at(offset, buf, len); }
  std::string name() const override { return window_.name(); }

 private:
  FileSource file_;
  SliceSource window_;
};

// A blob's bytes into its slot, at the offsets the plan gave it, its progress noted in the journal.
// Abandoned (a failure, an interruption), its prefix is forgotten and the slot written again by the next
// writer, as a layout's `.partial` file is removed; killed, the prefix noted is continued by the next run.
class TarSlotWriter : public BlobWriter {
 public:
  TarSlotWriter(TarBundle& bundle, const TarBundle::Slot& slot) : bundle_(bundle), slot_(slot) {}
  ~TarSlotWriter() override {
    if (finished_ || noted_ == 0) return;
    try {
      bundle_.note_progress(slot_.blob.digest, 0);
    } catch (...) {  // the journal could not be written: the next run checks the digest anyway
    }
  }
  std::shared_ptr<const ByteSource> take_held() override {
    const uint64_t held = position_ == 0 ? bundle_.held_part(slot_.blob.digest) : 0;
    if (held == 0) return nullptr;
    position_ = noted_ = held;
    return std::make_shared<PartialWindow>(bundle_.partial_, slot_.offset, held);
  }
  void write(std::string_view data) override {
    if (data.size() > slot_.blob.size - position_)
      throw Error("blob " + slot_.blob.digest.str() + " is longer than its descriptor's " +
                  std::to_string(slot_.blob.size) + " bytes");
    bundle_.write_at(slot_.offset + position_, data);
    position_ += data.size();
    if (position_ - noted_ >= kProgressNoteBytes && position_ < slot_.blob.size) {
      bundle_.note_progress(slot_.blob.digest, position_);
      noted_ = position_;
    }
  }
  void finish(const Digest& digest) override {
    if (digest != slot_.blob.digest || position_ != slot_.blob.size)
      throw Error("blob " + slot_.blob.digest.str() + " ended as " + digest.str() + " after " +
                  std::to_string(position_) + " bytes");
    bundle_.completed(digest);
    finished_ = true;
  }

 private:
  TarBundle& bundle_;
  const TarBundle::Slot& slot_;
  uint64_t position_ = 0;
  uint64_t noted_ = 0;  // the prefix the journal says is written
  bool finished_ = false;
};

std::string docker_save_manifest(const std::vector<SavedImage>& images) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& image : images) {
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const auto& l : image.layers) layers.push_back(blob_name(l));
    bool merged = false;
    for (auto& entry : out)
      if (entry["Config"] == blob_name(image.config) && entry["Layers"] == layers) {
        entry["RepoTags"].push_back(image.name);
        merged = true;
      }
    if (!merged)
      out.push_back({{"Config", blob_name(image.config)}, {"RepoTags", {image.name}}, {"Layers", std::move(layers)}});
  }
  return out.dump() + "\n";
}

TarBundle::TarBundle(std::string path, std::vector<Descriptor> blobs, Platform platform, bool create)
    : path_(std::move(path)),
      partial_(path_ + ".partial"),
      journal_(path_ + ".partial.done"),
      platform_(std::move(platform)) {
  uint64_t offset = kTarBlock + tar_padded(kOciLayoutFileContent.size()) + 2 * kTarBlock;  // oci-layout, blobs/, blobs/sha256/
  std::string plan;
  for (auto& b : blobs) {
    if (slots_.count(b.digest)) continue;
    slots_[b.digest] = Slot{b, offset + kTarBlock};
    offset += kTarBlock + tar_padded(b.size);
    plan += b.digest.str() + " " + std::to_string(b.size) + "\n";
  }
  end_ = offset;
  plan_id_ = "plan " + sha256_of(plan).str();
  if (create) open_or_resume();
}

TarBundle::~TarBundle() {
  if (fd_ >= 0) ::close(fd_);
}

// A partial archive of the same plan (its journal's first line says so) keeps the blobs it completed;
// anything else is started over.
void TarBundle::open_or_resume() {
  std::ifstream journal(journal_);
  std::string line;
  bool same_plan = journal && std::getline(journal, line) && line == plan_id_ && ::access(partial_.c_str(), F_OK) == 0;
  fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (same_plan ? 0 : O_TRUNC), 0644);
  if (fd_ < 0) throw Error(partial_ + ": cannot write: " + errno_text(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) throw Error(partial_ + ": another pull is writing this bundle");
  if (same_plan) {
    while (std::getline(journal, line)) {
      if (auto d = Digest::parse(line); d && slots_.count(*d)) complete_.insert(*d);
      std::istringstream part(line);
      std::string word, digest;
      uint64_t bytes = 0;
      if (part >> word >> digest >> bytes && word == "part")
        if (auto d = Digest::parse(digest); d && slots_.count(*d) && bytes < slots_.at(*d).blob.size)
          held_parts_[*d] = bytes;
    }
    open_journal_lines();
    return;
  }
  std::string head = tar_header("oci-layout", kOciLayoutFileContent.size()) + std::string(kOciLayoutFileContent);
  head.resize(kTarBlock + tar_padded(kOciLayoutFileContent.size()), '\0');
  head += tar_header("blobs/", 0, '5', 0755) + tar_header("blobs/sha256/", 0, '5', 0755);
  write_at(0, head);
  for (const auto& [digest, slot] : slots_)
    write_at(slot.offset - kTarBlock, tar_header(blob_name(digest), slot.blob.size));
  replace_file(journal_, plan_id_ + "\n");
  open_journal_lines();
}

void TarBundle::open_journal_lines() {
  journal_lines_.open(journal_, std::ios::app);
  if (!journal_lines_) throw Error(journal_ + ": cannot write: " + errno_text(errno));
}

// Each line flushed as it is written: a run killed next has it in the file. A line that cannot be written
// (the disk is full) fails the pull with its cause, rather than the journal silently stopping.
void TarBundle::journal_line(const std::string& line) {
  journal_lines_ << line << "\n";
  journal_lines_.flush();
  if (!journal_lines_) throw Error(journal_ + ": cannot write: " + errno_text(errno));
}

const TarBundle::Slot& TarBundle::slot(const Digest& digest) const {
  auto it = slots_.find(digest);
  if (it == slots_.end()) throw Error(path_ + ": blob " + digest.str() + " is not in the bundle's plan");
  return it->second;
}

void TarBundle::write_at(uint64_t offset, std::string_view data) { write_all_at(fd_, data, offset, partial_); }

void TarBundle::completed(const Digest& digest) {
  std::lock_guard lock(mutex_);
  if (!complete_.insert(digest).second) return;
  journal_line(digest.str());
}

void TarBundle::note_progress(const Digest& digest, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  journal_line("part " + digest.str() + " " + std::to_string(bytes));
}

uint64_t TarBundle::held_part(const Digest& digest) {
  std::lock_guard lock(mutex_);
  auto it = held_parts_.find(digest);
  if (it == held_parts_.end() || complete_.count(digest)) return 0;
  const uint64_t held = it->second;
  held_parts_.erase(it);  // given once: a writer that fails with it forgets it
  return held;
}

std::optional<uint64_t> TarBundle::held_size(const Digest& digest) const {
  std::lock_guard lock(mutex_);
  if (!complete_.count(digest)) return std::nullopt;
  return slots_.at(digest).blob.size;
}

std::unique_ptr<BlobWriter> TarBundle::start_blob(const std::optional<Descriptor>& blob) {
  if (!blob) throw Error(path_ + ": a tarball bundle is written in place: a blob's digest must be known up front");
  return std::make_unique<TarSlotWriter>(*this, slot(blob->digest));
}

void TarBundle::put_blob(const Digest& digest, std::string_view bytes) {
  if (sha256_of(bytes) != digest) throw Error(path_ + ": blob " + digest.str() + " given with other content");
  if (held_size(digest)) return;
  TarSlotWriter writer(*this, slot(digest));
  writer.write(bytes);
  writer.finish(digest);
}

void TarBundle::put_manifest(std::string_view media_type, std::string_view bytes, const std::string& name) {
  const Digest digest = sha256_of(bytes);
  put_blob(digest, bytes);
  {
    std::lock_guard lock(mutex_);
    manifests_[digest] = std::string(bytes);
  }
  if (!name.empty()) name_manifest({std::string(media_type), digest, bytes.size(), {}, {}}, name);
}

void TarBundle::name_manifest(const Descriptor& manifest, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (!manifests_.count(manifest.digest))
    throw Error(path_ + ": manifest " + manifest.digest.str() + " was not stored");
  std::erase_if(names_, [&](const auto& n) { return n.second == name; });
  names_.push_back({manifest, name});
}

// The image manifest.json lists for `name`: the manifest itself, or the index's entry for the platform.
SavedImage TarBundle::saved_image(const std::string& name, std::string_view bytes) const {
  for (int depth = 0; depth < kMaxIndexDepth && is_index_media_type(document_media_type(bytes, path_)); ++depth) {
    auto index = parse_image_index(bytes, path_);
    if (index.manifests.empty()) throw Error(path_ + ": index for " + name + " lists nothing");
    const IndexEntry* chosen = &index.manifests.front();
    for (const auto& e : index.manifests)
      if (e.platform && e.platform->matches(platform_)) {
        chosen = &e;
        break;
      }
    auto it = manifests_.find(chosen->descriptor.digest);
    if (it == manifests_.end())
      throw Error(path_ + ": manifest " + chosen->descriptor.digest.str() + " was not stored");
    bytes = it->second;
  }
  auto manifest = parse_image_manifest(bytes, path_);
  SavedImage saved{familiar_name(name), manifest.config.digest, {}};
  for (const auto& l : manifest.layers) saved.layers.push_back(l.digest);
  return saved;
}

void TarBundle::add_file(const std::string& name, std::string content) {
  std::lock_guard lock(mutex_);
  extra_files_.push_back({name, std::move(content)});
}

void TarBundle::finish() {
  std::lock_guard lock(mutex_);
  for (const auto& [digest, slot] : slots_)
    if (!complete_.count(digest)) throw Error(path_ + ": blob " + digest.str() + " was never written");
  std::string index;
  std::vector<SavedImage> saved;
  for (const auto& [descriptor, name] : names_) {
    index = index_with_entry(index, descriptor, name);
    saved.push_back(saved_image(name, manifests_.at(descriptor.digest)));
  }
  auto files = extra_files_;
  files.push_back({"index.json", index});
  files.push_back({"manifest.json", docker_save_manifest(saved)});
  std::string tail;
  for (const auto& [file, content] : files) {
    tail += tar_header(file, content.size()) + content;
    tail.resize(tail.size() + tar_padded(content.size()) - content.size(), '\0');
  }
  tail += std::string(2 * kTarBlock, '\0');
  write_at(end_, tail);
  if (::ftruncate(fd_, static_cast<off_t>(end_ + tail.size())) != 0 || ::fsync(fd_) != 0)
    throw Error(partial_ + ": " + errno_text(errno));
  if (::rename(partial_.c_str(), path_.c_str()) != 0) throw Error(path_ + ": cannot write: " + errno_text(errno));
  journal_lines_.close();
  ::unlink(journal_.c_str());
}

std::optional<uint64_t> TarBundleSink::blob_size(const std::string&, const Digest& digest) {
  return bundle_.held_size(digest);
}

std::optional<std::string> TarBundleSink::put_manifest(const std::string& repository, const std::string& reference,
                                                       std::string_view media_type, std::string_view bytes) {
  const bool by_digest = Digest::parse(reference).has_value();
  bundle_.put_manifest(media_type, bytes, by_digest ? "" : registry_ + "/" + repository + ":" + reference);
  return sha256_of(bytes).str();
}

}  // namespace ocipush
