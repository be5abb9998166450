#include "oci_push/build/image_files.h"

#include <archive.h>
#include <archive_entry.h>

#include <map>

#include "oci_push/build/image_paths.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {

constexpr uint64_t kMaxHeldBytes = 1ull << 30;

// libarchive pulls a layer through its ByteSource (a registry blob is a streamed GET, a build's own
// layer its composed tar), in compressed form: it finds gzip or zstd itself.
struct LayerReader {
  const ByteSource& source;
  uint64_t offset = 0;
  std::string buffer = std::string(1 << 20, '\0');

  static la_ssize_t read(archive*, void* self, const void** out) {
    auto* r = static_cast<LayerReader*>(self);
    size_t n = r->source.read_at(r->offset, r->buffer.data(), r->buffer.size());
    r->offset += n;
    *out = r->buffer.data();
    return static_cast<la_ssize_t>(n);
  }
};

std::string cleaned(std::string name) {
  while (name.starts_with("./")) name = name.substr(2);
  while (name.starts_with('/')) name = name.substr(1);
  while (name.ends_with('/')) name.pop_back();
  return name == "." ? "" : name;
}

bool wanted(const std::string& path, const std::vector<std::string>& roots) {
  for (const auto& r : roots)
    if (path_is_at_or_below(path, r) || path_is_at_or_below(r, path)) return true;  // a parent of a root is kept too (its directory)
  return false;
}

using Tree = std::map<std::string, LayerEntry>;

void remove_under(Tree& tree, const std::string& dir, bool keep_dir) {
  // Everything under dir shares its prefix, though not everything with the prefix is under it ("a-b").
  for (auto it = tree.lower_bound(dir); it != tree.end() && it->first.starts_with(dir);)
    it = (!path_is_at_or_below(it->first, dir) || (keep_dir && it->first == dir)) ? std::next(it) : tree.erase(it);
}

LayerEntry entry_of(archive* a, archive_entry* e, const std::string& path, uint64_t& held, const std::string& layer) {
  LayerEntry out;
  out.path = path;
  out.mode = archive_entry_perm(e) & 07777;
  out.uid = static_cast<uint64_t>(archive_entry_uid(e));
  out.gid = static_cast<uint64_t>(archive_entry_gid(e));
  out.mtime = archive_entry_mtime(e);
  const auto type = archive_entry_filetype(e);
  if (const char* hard = archive_entry_hardlink(e)) {
    out.kind = LayerEntry::Kind::Hardlink;
    out.link_target = cleaned(hard);
  } else if (type == AE_IFDIR) {
    out.kind = LayerEntry::Kind::Directory;
  } else if (type == AE_IFLNK) {
    out.kind = LayerEntry::Kind::Symlink;
    out.link_target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
  } else {
    const auto size = static_cast<uint64_t>(archive_entry_size(e));
    held += size;
    if (held > kMaxHeldBytes) throw Error(layer + ": the files wanted from it come to more than 1 GiB");
    out.data.resize(size);
    if (size && archive_read_data(a, out.data.data(), size) != static_cast<la_ssize_t>(size))
      throw Error(layer + ": " + (archive_error_string(a) ? archive_error_string(a) : "short read"));
  }
  return out;
}

// One layer applied on top of `tree`: its whiteouts first (they hide only what is below), then its entries.
void apply_layer(const Layer& layer, const std::vector<std::string>& roots, Tree& tree, uint64_t& held) {
  if (!layer.bytes) throw Error(layer.name + ": its bytes cannot be read here");
  LayerReader reader{*layer.bytes};
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open(a.get(), &reader, nullptr, &LayerReader::read, nullptr) != ARCHIVE_OK)
    throw Error(layer.name + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "not a tar"));
  Tree added;
  archive_entry* e = nullptr;
  for (int r; (r = archive_read_next_header(a.get(), &e)) != ARCHIVE_EOF;) {
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      throw Error(layer.name + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "bad tar"));
    const std::string path = cleaned(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
    const std::string base = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (base == ".wh..wh..opq") remove_under(tree, dir, true);
    else if (base.starts_with(".wh.")) remove_under(tree, (dir.empty() ? "" : dir + "/") + base.substr(4), false);
    else if (!path.empty() && wanted(path, roots)) added.insert_or_assign(path, entry_of(a.get(), e, path, held, layer.name));
  }
  for (auto& [path, entry] : added) {
    if (entry.kind != LayerEntry::Kind::Directory) remove_under(tree, path, false);
    tree.insert_or_assign(path, std::move(entry));
  }
}

}  // namespace

std::vector<LayerEntry> files_in_layers(const std::vector<Layer>& layers, const std::vector<std::string>& roots) {
  std::vector<std::string> clean_roots;
  for (const auto& r : roots) clean_roots.push_back(cleaned(r));
  Tree tree;
  uint64_t held = 0;
  for (const auto& layer : layers) apply_layer(layer, clean_roots, tree, held);
  std::vector<LayerEntry> out;
  for (auto& [path, e] : tree) {
    if (e.kind == LayerEntry::Kind::Hardlink) {
      auto target = tree.find(e.link_target);
      if (target == tree.end() || target->second.kind != LayerEntry::Kind::File) continue;  // outside the roots
      e.kind = LayerEntry::Kind::File;
      e.data = target->second.data;
      e.link_target.clear();
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ocipush
