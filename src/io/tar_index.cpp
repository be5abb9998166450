#include "oci_push/io/tar_index.h"

#include <fmt/format.h>

#include <deque>
#include <vector>

#include "oci_push/io/tar_headers.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

constexpr int kMaxLinkHops = 16;

// Splits on '/', dropping empty and "." components.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

// nullopt when a ".." component makes the name ambiguous.
std::optional<std::string> try_normalize(std::string_view name) {
  const auto parts = split_path(name);
  for (const auto& p : parts) {
    if (p == "..") return std::nullopt;
  }
  return join(parts);
}

// Adds `entry` under its normalised name (also into `filed_name`); returns what is wrong with it, or "".
std::string insert_entry(std::map<std::string, TarEntry, std::less<>>& entries, const std::string& raw_name,
                         TarEntry entry, std::string& filed_name) {
  auto name = try_normalize(raw_name);
  if (!name) return fmt::format("tar entry {} has a \"..\" path component", in_quotes(raw_name));
  if (name->empty()) {
    // "./" is the archive root itself: nothing to index.
    if (entry.type == TarEntry::Type::Directory) return "";
    return "corrupt tar: an entry has an empty name";
  }
  entry.name = *name;
  filed_name = *name;
  auto [it, inserted] = entries.try_emplace(*name, entry);
  if (inserted) return "";
  // The same directory listed twice is harmless; anything else makes the archive ambiguous.
  if (it->second.type == TarEntry::Type::Directory && entry.type == TarEntry::Type::Directory) return "";
  return fmt::format("tar entry {} appears more than once", in_quotes(*name));
}

class Resolver {
 public:
  Resolver(const std::map<std::string, TarEntry, std::less<>>& entries, const std::string& source_name)
      : entries_(entries), source_name_(source_name) {}

  // Walks the name one component at a time, as a filesystem would, so that links in the middle of a
  // path are followed too.
  std::optional<TarEntry> resolve(std::string_view name) {
    for (auto part : split_path(name)) pending_.emplace_back(part);
    while (!pending_.empty()) {
      const std::string part = std::move(pending_.front());
      pending_.pop_front();
      if (part == "..") {
        if (dir_.empty()) escape(name);
        dir_.pop_back();
        continue;
      }
      const auto it = entries_.find(path_of(part));
      if (it == entries_.end()) {
        if (pending_.empty()) return std::nullopt;
        dir_.push_back(part);  // tars often omit directory entries
        continue;
      }
      const TarEntry& entry = it->second;
      if (entry.type == TarEntry::Type::Symlink || entry.type == TarEntry::Type::Hardlink) {
        follow(entry, name);
        continue;
      }
      if (pending_.empty()) return entry;
      if (entry.type != TarEntry::Type::Directory) return std::nullopt;
      dir_.push_back(part);
    }
    // The name ended in "." or "..": it names the directory reached so far.
    if (dir_.empty()) return std::nullopt;
    const auto it = entries_.find(path_of({}));
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::string path_of(const std::string& last) const {
    std::string out;
    for (const auto& d : dir_) out += d + "/";
    if (last.empty() && !out.empty()) out.pop_back();
    return out + last;
  }

  void follow(const TarEntry& link, std::string_view name) {
    if (++hops_ > kMaxLinkHops) {
      throw Error(fmt::format("{}: too many levels of links resolving {} (a link loop at {}?)", source_name_,
                              in_quotes(name), in_quotes(link.name)));
    }
    last_link_ = &link;
    // Hardlink targets are archive paths; symlinks are relative to their directory unless absolute,
    // and an absolute one is taken to mean the archive root.
    if (link.type == TarEntry::Type::Hardlink || link.link_target.starts_with('/')) dir_.clear();
    const auto target = split_path(link.link_target);
    for (auto it = target.rbegin(); it != target.rend(); ++it) pending_.emplace_front(*it);
  }

  [[noreturn]] void escape(std::string_view name) const {
    if (last_link_ == nullptr) {
      throw Error(fmt::format("{}: {} points outside the archive", source_name_, in_quotes(name)));
    }
    throw Error(fmt::format("{}: link {} -> {} points outside the archive", source_name_, in_quotes(last_link_->name),
                            in_quotes(last_link_->link_target)));
  }

  const std::map<std::string, TarEntry, std::less<>>& entries_;
  const std::string& source_name_;
  std::vector<std::string> dir_;
  std::deque<std::string> pending_;
  int hops_ = 0;
  const TarEntry* last_link_ = nullptr;
};

}  // namespace

std::string normalize_tar_path(std::string_view name) {
  auto normalized = try_normalize(name);
  if (!normalized) throw Error(fmt::format("tar path {} has a \"..\" component", in_quotes(name)));
  return std::move(*normalized);
}

TarIndex TarIndex::build(const ByteSource& source) {
  TarIndex index;
  read_tar_headers(source, [&index](const std::string& raw_name, TarEntry entry) {
    FiledTarEntry filed;
    filed.problem = insert_entry(index.entries_, raw_name, std::move(entry), filed.name);
    return filed;
  });
  index.source_name_ = source.name();
  return index;
}

void TarIndex::add(const std::string& raw_name, TarEntry entry) {
  std::string filed_name;
  auto problem = insert_entry(entries_, raw_name, std::move(entry), filed_name);
  if (!problem.empty()) throw Error(source_name_ + ": " + problem);
}

std::optional<TarEntry> TarIndex::find(std::string_view name) const {
  return Resolver(entries_, source_name_).resolve(name);
}

}  // namespace ocipush
