// COPY and ADD of a stage: flags read, sources from the context, a heredoc or an earlier stage, the
// entries made into one layer.
#include <algorithm>
#include <cctype>
#include <map>

#include "oci_push/build/config_edits.h"
#include "oci_push/build/context_copy.h"
#include "oci_push/build/image_files.h"
#include "oci_push/build/image_paths.h"
#include "oci_push/build/owner_lookup.h"
#include "oci_push/build/path_patterns.h"
#include "oci_push/build/stage_builder.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

struct CopyFlags {
  std::string from;
  std::string chown;
  std::string chmod;
  std::vector<std::string> excludes;
};

CopyFlags read_copy_flags(const std::vector<std::string>& flags, bool add, const std::string& where) {
  CopyFlags out;
  for (const auto& f : flags) {
    auto value = [&](const char* name) { return f.substr(std::string(name).size()); };
    if (f.starts_with("--from=") && !add) out.from = value("--from=");
    else if (f.starts_with("--chown=")) out.chown = value("--chown=");
    else if (f.starts_with("--chmod=")) out.chmod = value("--chmod=");
    else if (f.starts_with("--exclude=")) out.excludes.push_back(value("--exclude="));
    else if (f == "--link" || f == "--link=true" || f == "--link=false") continue;  // layers are independent anyway
    else if (add && (f.starts_with("--checksum=") || f.starts_with("--keep-git-dir"))) continue;
    else throw Error(where + ": " + std::string(add ? "ADD" : "COPY") + " does not take " + f);
  }
  return out;
}

unsigned parse_chmod(const std::string& text, const std::string& where) {
  bool octal = !text.empty() && text.size() <= 4;
  for (char c : text) octal = octal && c >= '0' && c <= '7';
  if (!octal) throw Error(where + ": --chmod=" + text + ": not an octal mode (e.g. 0755)");
  return static_cast<unsigned>(std::stoul(text, nullptr, 8));
}

bool is_url(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.ends_with('/')) p.pop_back();
  return p.substr(p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
}

// A source that names one of the instruction's here-documents ("<<EOF", "<<-EOF", "<<'EOF'").
const Heredoc* heredoc_named(const DockerfileInstruction& i, const std::string& src) {
  for (const auto& h : i.heredocs)
    for (const std::string& form : {"<<" + h.name, "<<-" + h.name, "<<\"" + h.name + "\"", "<<'" + h.name + "'"})
      if (src.ends_with(form)) return &h;
  return nullptr;
}

}  // namespace

void StageBuilder::entries_from_stage(const StageResult& from, const CopyRequest& request,
                                      const DockerfileInstruction& i, std::vector<LayerEntry>& out) const {
  // A stage made only of this build's layers is known entry by entry; one on an image (or an image
  // itself) has its files read out of its layers, only under the sources' glob-free prefixes.
  std::vector<LayerEntry> read;
  if (!from.whole_filesystem) {
    std::vector<std::string> roots;
    for (const auto& src : request.sources) {
      std::string prefix;
      for (const auto& part : split_path(clean_absolute_path(src).substr(1))) {
        if (has_glob_chars(part)) break;
        prefix += (prefix.empty() ? "" : "/") + part;
      }
      roots.push_back(prefix);
    }
    read = files_in_layers(from.layers, roots);
  }
  std::map<std::string, const LayerEntry*> files;
  for (const auto& e : from.whole_filesystem ? from.added : read) files[e.path] = &e;
  const std::string& d = request.destination;
  const bool to_directory = d.ends_with('/') || d == "." || d.ends_with("/.") || request.sources.size() > 1;
  const std::string dest = resolve_under(clean_absolute_path(request.workdir), d);
  for (const auto& src : request.sources) {
    const std::string wanted = clean_absolute_path(src).substr(1);
    std::vector<std::string> roots;
    for (const auto& [path, e] : files)
      if (has_glob_chars(wanted) ? path_match(wanted, path) : path == wanted) roots.push_back(path);
    if (wanted.empty()) roots.push_back("");
    if (roots.empty())
      throw Error(where(i) + ": COPY --from=" + request.where + ": " + in_quotes(src) + " is not in it");
    for (const auto& root : roots) {
      const LayerEntry* top = root.empty() ? nullptr : files[root];
      const bool dir = !top || top->kind == LayerEntry::Kind::Directory;
      const std::string target = dir ? dest : (to_directory ? resolve_under(dest, base_name(root)) : dest);
      for (const auto& [path, e] : files) {
        const bool inside = root.empty() || path == root || path.starts_with(root + "/");
        if (!inside || (dir && path == root)) continue;
        LayerEntry copy = *e;
        copy.path = (target + (path == root ? "" : "/" + path.substr(root.empty() ? 0 : root.size() + 1))).substr(1);
        if (copy.path.starts_with('/')) copy.path = copy.path.substr(1);
        if (request.owner) copy.uid = request.owner->uid, copy.gid = request.owner->gid;
        if (request.mode) copy.mode = *request.mode;
        if (copy.kind == LayerEntry::Kind::Hardlink) copy.kind = LayerEntry::Kind::File;  // its data is in `file`
        if (request.mtime) copy.mtime = *request.mtime;
        out.push_back(std::move(copy));
      }
    }
  }
}

CopyRequest StageBuilder::copy_request(const DockerfileInstruction& i, bool add, std::string& from) const {
  const std::string w = where(i);
  CopyFlags f = read_copy_flags(expand_all(i.flags, i), add, w);
  std::vector<std::string> args = i.json_form ? i.args : expand_all(i.args, i);
  if (args.size() < 2) throw Error(w + ": " + (add ? "ADD" : "COPY") + " needs a source and a destination");
  CopyRequest request;
  request.destination = args.back();
  request.sources.assign(args.begin(), args.end() - 1);
  const auto& c = state_.config.contains("config") ? state_.config["config"] : nlohmann::json::object();
  request.workdir = c.is_object() ? c.value("WorkingDir", std::string("/")) : "/";
  if (request.workdir.empty()) request.workdir = "/";
  if (!f.chmod.empty()) request.mode = parse_chmod(f.chmod, w);
  if (!f.chown.empty()) request.owner = resolve_owner(f.chown, state_, w);
  if (!f.excludes.empty()) {
    auto matcher = std::make_shared<IgnoreMatcher>(IgnoreMatcher::from_patterns(f.excludes));
    request.excluded = [matcher](const std::string& path) { return matcher->excluded(path); };
  }
  request.unpack_archives = add;
  if (!env_.request.keep_mtimes) request.mtime = env_.request.epoch;
  request.where = w;
  from = f.from;
  return request;
}

void StageBuilder::apply_copy(const DockerfileInstruction& i, bool add) {
  std::string from;
  const CopyRequest request = copy_request(i, add, from);
  std::vector<LayerEntry> entries;
  auto take = [&](PlannedCopy planned) {
    for (auto& e : planned.entries) entries.push_back(std::move(e));
  };
  std::vector<std::string> from_context;
  for (const auto& src : request.sources) {
    if (const Heredoc* doc = heredoc_named(i, src)) {
      std::string content = doc->content;
      if (doc->expand && !env_.request.literal) {
        ShellLexer lexer;
        lexer.escape = env_.request.dockerfile.escape;
        lexer.skip_process_quotes = true;
        content = lexer.expand_word(content, variables());
      }
      take(plan_inline_file(doc->name, std::move(content), request, 0644));
    } else if (add && is_url(src)) {
      if (!env_.request.fetch_url) throw Error(request.where + ": ADD " + src + ": this build fetches no URLs");
      std::string name = base_name(src.substr(0, src.find_first_of("?#")));
      std::string body;
      try {
        body = env_.request.fetch_url(src);
      } catch (const Interrupted&) {
        throw;
      } catch (const Error& e) {
        throw Error(request.where + ": ADD " + e.what());
      }
      take(plan_inline_file(name.empty() ? "index.html" : name, std::move(body), request, 0600));
    } else {
      from_context.push_back(src);
    }
  }
  if (!from_context.empty()) {
    CopyRequest rest = request;
    rest.sources = from_context;
    if (request.sources.size() > 1 && !request.destination.ends_with('/') && request.destination != ".")
      throw Error(request.where + ": with more than one source file, the destination must be a directory and end with a /");
    if (from.empty()) {
      take(plan_context_copy(env_.request.context, rest));
    } else {
      const StageResult* stage = env_.stage(from);
      StageResult image;
      if (!stage) stage = &(image = env_.image(from, request.where));
      rest.where = from;
      entries_from_stage(*stage, rest, i, entries);
    }
  }
  add_layer(std::move(entries), i, history_text(i));
}

void StageBuilder::add_layer(std::vector<LayerEntry> entries, const DockerfileInstruction& i, const std::string& created_by) {
  ParentPolicy parents;
  parents.all = state_.whole_filesystem && state_.base_name.empty();
  parents.mtime = env_.request.epoch;
  for (const auto& e : state_.added)
    if (e.kind == LayerEntry::Kind::Directory) parents.existing.insert(e.path);
  auto normalized = normalize_layer(std::move(entries), parents);
  Layer layer = env_.make_layer(normalized, where(i) + " " + history_text(i).substr(0, 60));
  add_diff_id(state_.config, layer.diff_id.str());
  add_history(state_.config, rfc3339_utc(env_.request.epoch), created_by, false);
  state_.layers.push_back(std::move(layer));
  for (auto& e : normalized) state_.added.push_back(std::move(e));
}

}  // namespace ocipush
