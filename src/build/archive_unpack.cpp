#include "oci_push/build/archive_unpack.h"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>

#include "oci_push/build/image_paths.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

// What ADD holds in memory of an unpacked archive (its files go into the layer from there).
constexpr uint64_t kMaxUnpackedBytes = 1ull << 30;

struct ArchiveReader {
  archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};

// The entry's path cleaned, relative to the destination; nullopt when it is absolute or climbs out.
std::optional<std::string> inside(const std::string& raw) {
  if (raw.starts_with('/')) return std::nullopt;
  return clean_relative_path(raw);
}

std::string joined_under(const std::string& destination, const std::string& path) {
  return destination.empty() ? path : path.empty() ? destination : destination + "/" + path;
}

// A relative symlink target resolved from the link's directory must stay inside the destination.
bool symlink_stays_inside(const std::string& link_path, const std::string& target) {
  if (target.starts_with('/')) return true;  // absolute: inside the image, wherever it is unpacked
  auto slash = link_path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : link_path.substr(0, slash);
  return inside(dir.empty() ? target : dir + "/" + target).has_value();
}

LayerEntry entry_of(archive* a, archive_entry* e, const std::string& destination, const CopyRequest& request,
                    const std::string& raw, const std::string& path, uint64_t& held) {
  LayerEntry out;
  out.path = joined_under(destination, path);
  out.mode = archive_entry_perm(e) & 07777;
  out.uid = request.owner ? request.owner->uid : static_cast<uint64_t>(archive_entry_uid(e));
  out.gid = request.owner ? request.owner->gid : static_cast<uint64_t>(archive_entry_gid(e));
  out.mtime = request.mtime.value_or(archive_entry_mtime(e));
  const char* hardlink = archive_entry_hardlink(e);
  const auto type = archive_entry_filetype(e);
  if (hardlink) {
    auto target = inside(hardlink);
    if (!target) throw Error(request.where + ": archive entry " + in_quotes(raw) + " links outside the destination");
    out.kind = LayerEntry::Kind::Hardlink;
    out.link_target = joined_under(destination, *target);
  } else if (type == AE_IFDIR) {
    out.kind = LayerEntry::Kind::Directory;
  } else if (type == AE_IFLNK) {
    out.kind = LayerEntry::Kind::Symlink;
    out.link_target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    if (!symlink_stays_inside(path, out.link_target))
      throw Error(request.where + ": archive entry " + in_quotes(raw) + " is a symlink that leaves the destination");
  } else if (type == AE_IFREG) {
    const auto size = static_cast<uint64_t>(archive_entry_size(e));
    held += size;
    if (held > kMaxUnpackedBytes) throw Error(request.where + ": the archive unpacks to more than 1 GiB");
    out.data.resize(size);
    if (size && archive_read_data(a, out.data.data(), size) != static_cast<la_ssize_t>(size))
      throw Error(request.where + ": archive entry " + in_quotes(raw) + ": " + archive_error_string(a));
  } else {
    throw Error(request.where + ": archive entry " + in_quotes(raw) + " is a device or fifo; ADD does not unpack those");
  }
  if (request.mode) out.mode = *request.mode;
  return out;
}

}  // namespace

bool is_local_archive(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(512, '\0');
  in.read(head.data(), head.size());
  head.resize(static_cast<size_t>(in.gcount()));
  auto starts = [&](std::string_view magic) { return head.size() >= magic.size() && head.starts_with(magic); };
  if (starts("\x1f\x8b") || starts("BZh") || starts(std::string_view("\xfd" "7zXZ\0", 6))) return true;
  return head.size() >= 263 && head.compare(257, 5, "ustar") == 0;
}

void unpack_archive(const std::string& path, const std::string& destination, const CopyRequest& request,
                    std::vector<LayerEntry>& out) {
  ArchiveReader reader;
  archive_read_support_filter_gzip(reader.a);
  archive_read_support_filter_bzip2(reader.a);
  archive_read_support_filter_xz(reader.a);
  archive_read_support_format_tar(reader.a);
  if (archive_read_open_filename(reader.a, path.c_str(), 1 << 20) != ARCHIVE_OK)
    throw Error(request.where + ": " + path + ": " + archive_error_string(reader.a));
  archive_entry* e = nullptr;
  uint64_t held = 0;
  for (int r; (r = archive_read_next_header(reader.a, &e)) != ARCHIVE_EOF;) {
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      throw Error(request.where + ": " + path + ": " + archive_error_string(reader.a));
    const std::string raw = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    auto relative = inside(raw);
    if (!relative) throw Error(request.where + ": archive entry " + in_quotes(raw) + " would be written outside the destination");
    if (relative->empty()) continue;  // "./": the destination itself
    out.push_back(entry_of(reader.a, e, destination, request, raw, *relative, held));
  }
}

}  // namespace ocipush
