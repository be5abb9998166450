#include "oci_push/formats/stream_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "oci_push/codec/layer_digests.h"
#include "oci_push/formats/docker_archive.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

std::string archive_problem(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unreadable archive";
}

bool starts_like_json(std::string_view head) {
  size_t i = head.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && (head[i] == '{' || head[i] == '[');
}

ArchivePtr open_stream(const SourceSpec& spec, const std::string& where) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  int rc = spec.path == "-" ? archive_read_open_fd(a.get(), 0, 1 << 20)
                            : archive_read_open_filename(a.get(), spec.path.c_str(), 1 << 20);
  if (rc != ARCHIVE_OK) throw Error(where + ": " + archive_problem(a.get()));
  return a;
}

// Adds a directory or link (they have no data); true for them and for what is skipped (devices, fifos),
// false for a regular file, whose data the caller reads next.
bool add_entry_without_data(StreamedFiles& files, archive_entry* entry, const std::string& path) {
  if (const char* target = archive_entry_hardlink(entry)) {
    files.add_other(path, {path, TarEntry::Type::Hardlink, 0, 0, target});
    return true;
  }
  auto type = archive_entry_filetype(entry);
  if (type == AE_IFDIR) {
    files.add_other(path, {path, TarEntry::Type::Directory, 0, 0, ""});
    return true;
  }
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    files.add_other(path, {path, TarEntry::Type::Symlink, 0, 0, target ? target : ""});
    return true;
  }
  return type != AE_IFREG;
}

// The data of the regular file the stream is at, which can be read only once, in order.
struct StreamedEntry {
  archive* a;
  const std::string& where;
  const std::string path;
  const int64_t declared;  // the size its header gives
  uint64_t delivered = 0;

  size_t read(char* buf, size_t len) {
    la_ssize_t n = archive_read_data(a, buf, len);
    if (n < 0) throw Error(where + ": " + path + ": " + archive_problem(a));
    delivered += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

  // `size` bytes, or fewer where the data ends.
  std::string read_up_to(size_t size) {
    std::string out(size, '\0');
    size_t filled = 0;
    while (filled < out.size()) {
      size_t n = read(out.data() + filled, out.size() - filled);
      if (n == 0) break;
      filled += n;
    }
    out.resize(filled);
    return out;
  }
};

// `kept` counts what all kept files hold, which bounds the memory they take.
void keep_file(StreamedEntry& file, std::string head, StreamedFiles& files, size_t& kept) {
  std::string rest = file.read_up_to(static_cast<size_t>(file.declared) - head.size());
  kept += head.size() + rest.size();
  if (kept > kStreamKeptTotal)
    throw Error(file.where + ": more than " + std::to_string(kStreamKeptTotal >> 20) +
                " MiB of small files; decompress it to a file first");
  files.add_small(file.path, head + rest);
}

// The handler reads the file from its start: the head, already read to judge it, is replayed first.
void hand_on_file(StreamedEntry& file, const std::string& head, StreamedFiles& files,
                  const StreamedFileHandler& handler) {
  size_t head_pos = 0;
  ByteReader replay = [&](char* buf, size_t len) -> size_t {
    if (head_pos < head.size()) {
      size_t n = std::min(len, head.size() - head_pos);
      std::copy_n(head.data() + head_pos, n, buf);
      head_pos += n;
      return n;
    }
    return file.read(buf, len);
  };
  LayerCompression compression = sniff_compression(StringSource(head.substr(0, 4)));
  StreamedBlob blob = handler(file.path, compression, replay);
  if (file.delivered != static_cast<uint64_t>(file.declared))
    throw Error(file.where + ": " + file.path + ": stream ended after " + std::to_string(file.delivered) + " of " +
                std::to_string(file.declared) + " bytes");
  files.add_streamed(file.path, std::move(blob));
}

}  // namespace

bool is_stream_source(const SourceSpec& spec) {
  if (spec.path == "-") return true;
  int fd = open(spec.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // open_source() reports it
  unsigned char m[6] = {0};
  ssize_t n = read(fd, m, sizeof m);
  close(fd);
  if (n < 3) return false;
  bool gzip = m[0] == 0x1f && m[1] == 0x8b;
  bool zstd = n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
  bool xz = n >= 6 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z' && m[5] == 0;
  bool bzip2 = m[0] == 'B' && m[1] == 'Z' && m[2] == 'h';
  return gzip || zstd || xz || bzip2;
}

StreamedBlob digest_streamed_file(const std::string& path, LayerCompression compression, const ByteReader& read) {
  static const std::atomic<bool> never{false};
  StreamedBlob blob;
  blob.stored_compression = compression;
  uint64_t size = 0;
  std::unique_ptr<UncompressedDigester> digester;
  if (compression != LayerCompression::None) digester = std::make_unique<UncompressedDigester>(compression, path);
  blob.stored_digest = hash_stream(read, nullptr, never, [&](std::string_view b) {
    size += b.size();
    if (digester) digester->update(b);
  });
  blob.stored_size = size;
  blob.uncompressed = digester ? digester->finish() : blob.stored_digest;
  return blob;
}

SourceContents read_stream_source(const SourceSpec& spec, const StreamedFileHandler& handler) {
  const std::string where = spec.path == "-" ? std::string("standard input") : spec.path;
  ArchivePtr a = open_stream(spec, where);
  auto files = std::make_shared<StreamedFiles>(where);
  size_t kept = 0;
  archive_entry* entry = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    const std::string path = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (add_entry_without_data(*files, entry, path)) continue;
    StreamedEntry file{a.get(), where, path, archive_entry_size(entry)};
    // The head decides: kept in memory (small, or JSON), or handed on as a layer.
    std::string head = file.read_up_to(std::min<int64_t>(std::max<int64_t>(file.declared, 0), kStreamSmallFile));
    const bool keep = file.declared <= static_cast<int64_t>(kStreamSmallFile) ||
                      (starts_like_json(head) && file.declared <= static_cast<int64_t>(kStreamLargestJson));
    if (keep) {
      keep_file(file, std::move(head), *files, kept);
    } else {
      hand_on_file(file, head, *files, handler);
    }
  }
  if (rc != ARCHIVE_EOF) throw Error(where + ": " + archive_problem(a.get()));
  auto source = read_archive(files, spec);
  source.name = where;
  return source;
}

}  // namespace ocipush
