#include "oci_push/build/context_copy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "oci_push/build/archive_unpack.h"
#include "oci_push/build/image_paths.h"
#include "oci_push/build/path_patterns.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

namespace fs = std::filesystem;

// A source as found in the context: its path there ("" the root) and what lstat said.
struct FoundSource {
  std::string relative;
  struct stat st {};
};

std::string join_relative(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::string host_path(const BuildContext& context, const std::string& relative) {
  return relative.empty() ? context.root : context.root + "/" + relative;
}

bool lstat_path(const std::string& path, struct stat& st) { return ::lstat(path.c_str(), &st) == 0; }

std::vector<std::string> sorted_names(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Go's filepath.Glob, one component at a time, over what the context shows.
void glob_into(const BuildContext& context, const std::vector<std::string>& parts, size_t i, const std::string& at,
               std::vector<FoundSource>& out) {
  if (i == parts.size()) {
    FoundSource found{at, {}};
    if (lstat_path(host_path(context, at), found.st)) out.push_back(found);
    return;
  }
  if (!has_glob_chars(parts[i])) {
    std::string next = join_relative(at, parts[i]);
    if (!context.hidden(next)) glob_into(context, parts, i + 1, next, out);
    return;
  }
  for (const auto& name : sorted_names(host_path(context, at))) {
    std::string next = join_relative(at, name);
    if (path_match(parts[i], name) && !context.hidden(next)) glob_into(context, parts, i + 1, next, out);
  }
}

std::vector<FoundSource> find_sources(const BuildContext& context, const CopyRequest& request, const std::string& src) {
  auto relative = clean_relative_path(src.starts_with('/') ? src.substr(1) : src);
  if (!relative) throw Error(request.where + ": COPY source " + in_quotes(src) + " is outside the build context");
  std::vector<FoundSource> found;
  glob_into(context, split_path(*relative), 0, "", found);
  if (found.empty() && has_glob_chars(*relative))
    throw Error(request.where + ": " + in_quotes(src) + " matches no file of the build context");
  if (found.empty() || (!relative->empty() && context.hidden(*relative)))
    throw Error(request.where + ": " + in_quotes(src) + ": no such file or directory in the build context" +
                (context.hidden(*relative) ? " (.dockerignore excludes it)" : ""));
  return found;
}

// A top-level symlink source is followed (as BuildKit does), but only to something inside the context;
// a directory symlink on the way to a source must not lead out of it either.
FoundSource follow_source(const BuildContext& context, const CopyRequest& request, FoundSource found) {
  std::error_code ec;
  fs::path real = fs::canonical(host_path(context, found.relative), ec);
  fs::path root = fs::canonical(context.root, ec);
  std::string r = real.string(), base = root.string();
  if (ec || !(r == base || r.starts_with(base + "/")))
    throw Error(request.where + ": " + in_quotes(found.relative) + " leads outside the build context (a symlink)");
  if (!S_ISLNK(found.st.st_mode)) return found;
  FoundSource target{r == base ? "" : r.substr(base.size() + 1), {}};
  lstat_path(r, target.st);
  return target;
}

struct EntryMaker {
  const BuildContext& context;
  const CopyRequest& request;
  std::vector<LayerEntry>& out;

  LayerEntry make(const std::string& relative, const struct stat& st, const std::string& dest) const {
    LayerEntry e;
    e.path = dest;
    e.mode = request.mode.value_or(st.st_mode & 07777);
    if (request.owner) e.uid = request.owner->uid, e.gid = request.owner->gid;
    e.mtime = request.mtime.value_or(st.st_mtim.tv_sec);
    const std::string path = host_path(context, relative);
    if (S_ISREG(st.st_mode)) {
      e.file = planned_file(path, st);
    } else if (S_ISDIR(st.st_mode)) {
      e.kind = LayerEntry::Kind::Directory;
    } else if (S_ISLNK(st.st_mode)) {
      e.kind = LayerEntry::Kind::Symlink;
      std::error_code ec;
      e.link_target = fs::read_symlink(path, ec).string();
      if (!request.mode) e.mode = 0777;
    } else {
      throw Error(request.where + ": " + in_quotes(relative) + " is not a file, directory or symlink; it cannot be copied");
    }
    return e;
  }
  bool skipped(const std::string& relative) const {
    return context.hidden(relative) || (request.excluded && request.excluded(relative));
  }
  void walk(const std::string& relative, const std::string& dest) const {
    for (const auto& name : sorted_names(host_path(context, relative))) {
      std::string child = join_relative(relative, name);
      if (skipped(child)) continue;
      struct stat st {};
      if (!lstat_path(host_path(context, child), st)) continue;
      out.push_back(make(child, st, dest + "/" + name));
      if (S_ISDIR(st.st_mode)) walk(child, dest + "/" + name);
    }
  }
};

std::string without_slashes(const std::string& absolute) { return absolute == "/" ? "" : absolute.substr(1); }

}  // namespace

PlannedCopy plan_context_copy(const BuildContext& context, const CopyRequest& request) {
  const std::string& d = request.destination;
  const bool to_directory = d.ends_with('/') || d == "." || d.ends_with("/.") || d == "..";
  const std::string dest = resolve_under(clean_absolute_path(request.workdir), d);
  std::vector<FoundSource> sources;
  for (const auto& src : request.sources)
    for (auto& found : find_sources(context, request, src)) sources.push_back(follow_source(context, request, found));
  if (sources.size() > 1 && !to_directory)
    throw Error(request.where + ": with more than one source file, the destination must be a directory and end with a /");
  PlannedCopy planned{{}, dest};
  EntryMaker maker{context, request, planned.entries};
  for (const auto& s : sources) {
    const std::string name = s.relative.substr(s.relative.rfind('/') == std::string::npos ? 0 : s.relative.rfind('/') + 1);
    if (S_ISDIR(s.st.st_mode)) {
      if (dest != "/") planned.entries.push_back(maker.make(s.relative, s.st, without_slashes(dest)));
      maker.walk(s.relative, without_slashes(dest));
      continue;
    }
    const std::string target = to_directory ? resolve_under(dest, name) : dest;
    if (target == "/") throw Error(request.where + ": cannot copy a file to /; name it (\"/" + name + "\")");
    if (request.unpack_archives && S_ISREG(s.st.st_mode) && is_local_archive(host_path(context, s.relative))) {
      unpack_archive(host_path(context, s.relative), without_slashes(dest), request, planned.entries);
      continue;
    }
    planned.entries.push_back(maker.make(s.relative, s.st, without_slashes(target)));
  }
  // Files copied into a directory with --chown: the directory is made theirs too, as BuildKit makes the
  // directories a chowned COPY creates. Its parents are left to the base (the base's files are not read).
  if (request.owner && to_directory && dest != "/" &&
      std::none_of(sources.begin(), sources.end(), [](const FoundSource& s) { return S_ISDIR(s.st.st_mode); })) {
    LayerEntry dir{without_slashes(dest), LayerEntry::Kind::Directory, 0755, request.owner->uid, request.owner->gid,
                   request.mtime.value_or(0), {}, {}, {}};
    planned.entries.push_back(std::move(dir));
  }
  // Entries' paths are relative to the image root: "" is the root itself, never an entry.
  std::erase_if(planned.entries, [](const LayerEntry& e) { return e.path.empty(); });
  for (auto& e : planned.entries)
    if (e.path.starts_with('/')) e.path = e.path.substr(1);
  return planned;
}

PlannedCopy plan_inline_file(const std::string& name, std::string data, const CopyRequest& request, unsigned mode) {
  const std::string& d = request.destination;
  const std::string dest = resolve_under(clean_absolute_path(request.workdir), d);
  const bool to_directory = d.ends_with('/') || d == "." || d.ends_with("/.");
  const std::string target = to_directory ? resolve_under(dest, name) : dest;
  if (target == "/") throw Error(request.where + ": cannot write a file to /; name it");
  LayerEntry e;
  e.path = without_slashes(target);
  e.mode = request.mode.value_or(mode);
  if (request.owner) e.uid = request.owner->uid, e.gid = request.owner->gid;
  e.mtime = request.mtime.value_or(0);
  e.data = std::move(data);
  return {{std::move(e)}, to_directory ? dest : target.substr(0, std::max<size_t>(1, target.rfind('/')))};
}

}  // namespace ocipush
