// Paths inside an image or a build context as builds name them: '/'-separated, no file system touched.
// Go's path.Clean is the one rule beneath the forms COPY, ADD, WORKDIR and a layer's entries need.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocipush {

// Go's filepath.Clean on '/'-separated paths: "a//b/./c/.." is "a/b", "" is ".", "/../x" is "/x".
std::string clean_path(std::string_view path);

// Relative and clean: "a/./b/../c" -> "a/c", "/a" -> "a", "" and "." -> ""; nullopt when ".." climbs above
// the start ("a/../../b").
std::optional<std::string> clean_relative_path(std::string_view path);

// Absolute and clean: "/a/./b/../c/" -> "/a/c", "a/b" -> "/a/b", "" -> "/"; ".." above the root stays at
// the root and the rest still counts ("/../x" -> "/x"), as in a path lookup.
std::string clean_absolute_path(std::string_view path);

// `relative` joined under the absolute `base` (an absolute `relative` replaces it), cleaned.
std::string resolve_under(const std::string& base, const std::string& relative);

// The non-empty parts: "a//b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

// Whether image path `path` is `root` or inside it ("" is the root of everything): "a/b" is under "a",
// "a-b" is not.
bool path_is_at_or_below(const std::string& path, const std::string& root);

}  // namespace ocipush
