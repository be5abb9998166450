#include "oci_push/build/layer_tar.h"

#include <algorithm>
#include <map>

#include "oci_push/io/tar_writing.h"

namespace ocipush {

namespace {

void add_parents(std::map<std::string, LayerEntry>& by_path, const ParentPolicy& policy) {
  std::vector<std::string> missing;
  for (const auto& [path, entry] : by_path)
    for (size_t cut = path.find('/'); cut != std::string::npos; cut = path.find('/', cut + 1)) {
      std::string parent = path.substr(0, cut);
      if (by_path.count(parent) || policy.existing.count(parent)) continue;
      if (policy.all) missing.push_back(parent);
    }
  for (auto& parent : missing) {
    if (by_path.count(parent)) continue;
    LayerEntry dir{parent, LayerEntry::Kind::Directory, policy.mode, policy.uid, policy.gid, policy.mtime, {}, {}, {}};
    by_path.emplace(parent, std::move(dir));
  }
}

}  // namespace

std::vector<LayerEntry> normalize_layer(std::vector<LayerEntry> entries, const ParentPolicy& parents) {
  std::map<std::string, LayerEntry> by_path;  // std::string's order is bytewise
  for (auto& e : entries) by_path.insert_or_assign(e.path, std::move(e));
  add_parents(by_path, parents);
  std::vector<LayerEntry> out;
  std::map<std::pair<dev_t, ino_t>, std::string> first_of_inode;
  for (auto& [path, e] : by_path) {
    if (e.kind == LayerEntry::Kind::File && e.file) {
      auto [it, first] = first_of_inode.emplace(std::pair{e.file->device, e.file->inode}, path);
      if (!first) {
        e.kind = LayerEntry::Kind::Hardlink;
        e.link_target = it->second;
        e.file.reset();
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::shared_ptr<ComposedSource> compose_layer_tar(const std::vector<LayerEntry>& entries, std::string name) {
  auto tar = std::make_shared<ComposedSource>(std::move(name));
  std::string headers;  // consecutive header blocks go in as one piece
  for (const auto& e : entries) {
    TarEntryHeader h;
    h.name = e.kind == LayerEntry::Kind::Directory ? e.path + "/" : e.path;
    h.type = e.kind == LayerEntry::Kind::File ? '0'
             : e.kind == LayerEntry::Kind::Hardlink ? '1'
             : e.kind == LayerEntry::Kind::Symlink  ? '2'
                                                    : '5';
    h.mode = e.mode;
    h.uid = e.uid;
    h.gid = e.gid;
    h.mtime = e.mtime;
    h.link_name = e.link_target;
    h.size = e.kind == LayerEntry::Kind::File ? e.size() : 0;
    headers += tar_entry_headers(h);
    if (h.size == 0) continue;
    if (e.file) {
      tar->append_bytes(std::move(headers));
      headers.clear();
      tar->append_file(*e.file);
    } else {
      headers += e.data;
    }
    headers.resize(headers.size() + (tar_padded(h.size) - h.size), '\0');
  }
  headers.append(2 * kTarBlock, '\0');
  tar->append_bytes(std::move(headers));
  return tar;
}

}  // namespace ocipush
