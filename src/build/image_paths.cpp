#include "oci_push/build/image_paths.h"

namespace ocipush {

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  const size_t n = path.size();
  std::string out;
  size_t r = 0;
  size_t dotdot = 0;  // where out may no longer be backtracked by ".."
  if (rooted) {
    out += '/';
    r = dotdot = 1;
  }
  while (r < n) {
    if (path[r] == '/') {
      ++r;
    } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
      ++r;
    } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out += '/';
        out += "..";
        dotdot = out.size();
      }
    } else {
      if (out.size() != (rooted ? 1 : 0)) out += '/';
      for (; r < n && path[r] != '/'; ++r) out += path[r];
    }
  }
  return out.empty() ? "." : out;
}

std::optional<std::string> clean_relative_path(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  // Cleaning a relative path keeps a climb above its start as leading ".." parts, and only then.
  std::string cleaned = clean_path(path);
  if (cleaned == ".." || cleaned.starts_with("../")) return std::nullopt;
  return cleaned == "." ? "" : cleaned;
}

std::string clean_absolute_path(std::string_view path) {
  std::string rooted(1, '/');
  rooted += path;
  return clean_path(rooted);
}

std::string resolve_under(const std::string& base, const std::string& relative) {
  return clean_absolute_path(relative.starts_with('/') ? relative : base + "/" + relative);
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  for (size_t start = 0; start < path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool path_is_at_or_below(const std::string& path, const std::string& root) {
  return root.empty() || path == root || (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/');
}

}  // namespace ocipush
