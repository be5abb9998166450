#include "oci_push/transfer/digest_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "oci_push/util/json_limits.h"

namespace ocipush {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxEntryBytes = 64 << 10;

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxEntryBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.gcount() > static_cast<std::streamsize>(kMaxEntryBytes)) return std::nullopt;
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// Another process reads either the old file or the new one, never half of one. 0600: upload session
// URLs are the user's business alone.
void write_atomically(const std::string& path, const std::string& content) {
  static std::atomic<unsigned> counter{0};
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  written = ::close(fd) == 0 && written;
  if (!written) {
    fs::remove(tmp, ec);
    return;
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace

std::string serialize_cached_blob(const CachedBlob& blob) {
  nlohmann::json j;
  j["diffId"] = blob.diff_id.str();
  j["codec"] = blob.codec_key;
  j["digest"] = blob.descriptor.digest.str();
  j["size"] = blob.descriptor.size;
  j["mediaType"] = blob.descriptor.media_type;
  j["repositories"] = blob.repositories;
  return j.dump();
}

std::optional<CachedBlob> parse_cached_blob(std::string_view text) {
  auto j = parse_json_bounded(text);
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("size") ||
      !j["size"].is_number_unsigned() || !j.contains("mediaType") || !j["mediaType"].is_string())
    return std::nullopt;
  auto digest = Digest::parse(j["digest"].get<std::string>());
  if (!digest || !j.contains("diffId") || !j["diffId"].is_string() || !j.contains("codec") || !j["codec"].is_string())
    return std::nullopt;
  auto diff_id = Digest::parse(j["diffId"].get<std::string>());
  if (!diff_id) return std::nullopt;
  CachedBlob blob;
  blob.diff_id = *diff_id;
  blob.codec_key = j["codec"].get<std::string>();
  blob.descriptor = {j["mediaType"].get<std::string>(), *digest, j["size"].get<uint64_t>(), {}, {}};
  if (j.contains("repositories") && j["repositories"].is_array())
    for (const auto& r : j["repositories"])
      if (r.is_string()) blob.repositories.push_back(r.get<std::string>());
  return blob;
}

std::optional<std::string> DigestCache::default_directory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/oci-push";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/oci-push";
  return std::nullopt;
}

DigestCache::DigestCache(std::string directory) : directory_(std::move(directory)) {}

std::string DigestCache::blob_path(const Digest& diff_id, const std::string& codec_key) const {
  return directory_ + "/blobs/" + codec_key + "/" + diff_id.hex.substr(0, 2) + "/" + diff_id.hex;
}

std::string DigestCache::verified_path(const std::string& identity) const {
  auto key = sha256_of(identity).hex;
  return directory_ + "/verified/" + key.substr(0, 2) + "/" + key;
}

std::optional<CachedBlob> DigestCache::lookup(const Digest& diff_id, const std::string& codec_key) const {
  auto text = read_small_file(blob_path(diff_id, codec_key));
  if (!text) return std::nullopt;
  auto blob = parse_cached_blob(*text);
  // An entry moved or copied under another name says so: it is not this layer's.
  if (!blob || blob->diff_id != diff_id || blob->codec_key != codec_key) return std::nullopt;
  return blob;
}

void DigestCache::record(const Digest& diff_id, const std::string& codec_key, const Descriptor& blob,
                         const std::string& repository) {
  CachedBlob entry{diff_id, codec_key, blob, {repository}};
  if (auto old = lookup(diff_id, codec_key); old && old->descriptor.digest == blob.digest)
    for (const auto& r : old->repositories)
      if (r != repository && entry.repositories.size() < kDigestCacheMaxRepositories) entry.repositories.push_back(r);
  write_atomically(blob_path(diff_id, codec_key), serialize_cached_blob(entry));
}

bool DigestCache::verified(const std::string& identity, const Digest& diff_id) const {
  auto text = read_small_file(verified_path(identity));
  return text && *text == identity + "\n" + diff_id.str();
}

std::optional<Digest> DigestCache::verified_digest(const std::string& identity) const {
  auto text = read_small_file(verified_path(identity));
  if (!text || !text->starts_with(identity + "\n")) return std::nullopt;
  return Digest::parse(std::string_view(*text).substr(identity.size() + 1));
}

void DigestCache::record_verified(const std::string& identity, const Digest& diff_id) {
  write_atomically(verified_path(identity), identity + "\n" + diff_id.str());
}

std::string DigestCache::upload_path(const std::string& key) const {
  auto name = sha256_of(key).hex;
  return directory_ + "/uploads/" + name;
}

std::optional<BlobSession> DigestCache::upload_session(const std::string& key) const {
  auto text = read_small_file(upload_path(key));
  if (!text) return std::nullopt;
  auto j = parse_json_bounded(*text);
  if (!j.is_object() || j.value("key", "") != key || !j["url"].is_string() || !j["offset"].is_number_unsigned())
    return std::nullopt;  // not ours, or damaged: start a new session
  return BlobSession{j["url"].get<std::string>(), j["offset"].get<uint64_t>()};
}

void DigestCache::record_upload_session(const std::string& key, const BlobSession& session) {
  nlohmann::json j = {{"key", key}, {"url", session.id}, {"offset", session.offset}};
  write_atomically(upload_path(key), j.dump());
}

void DigestCache::forget_upload_session(const std::string& key) {
  std::error_code ec;
  fs::remove(upload_path(key), ec);
}

void DigestCache::prune(size_t max_entries) noexcept {
  try {
    std::vector<std::pair<fs::file_time_type, fs::path>> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(directory_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec)) files.emplace_back(it->last_write_time(ec), it->path());
    }
    if (files.size() <= max_entries) return;
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i < files.size() - max_entries; ++i) fs::remove(files[i].second, ec);
  } catch (...) {
  }
}

}  // namespace ocipush
