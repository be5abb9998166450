// Where an image goes: which repositories and tags, from TARGET, --registry, -t and the tarball's RepoTags.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocipush {

struct PushTarget {
  std::string registry;  // as the user wrote it ("docker.io" when none)
  std::string api_host;  // what to contact
  std::string repository;
  std::vector<std::string> tags;      // empty: pushed by digest only
  std::optional<std::string> digest;  // TARGET@sha256:...: the manifest must have this digest
  std::string name() const { return registry + "/" + repository; }
};

// Pure. TARGET with a tag: that tag plus `extra_tags`. TARGET without one: the tags of `names` (RepoTags)
// and `bare_tags` (OCI ref.name tags) plus `extra_tags`. No TARGET: each name under `registry` (required
// then). Throws UsageError for a malformed reference or tag, Error when no tag can be found and TARGET
// names no digest.
std::vector<PushTarget> resolve_push_targets(std::string_view target, std::string_view registry,
                                             const std::vector<std::string>& extra_tags,
                                             const std::vector<std::string>& names,
                                             const std::vector<std::string>& bare_tags = {});

// --all: one image of a bundle. Each name's repository goes under `prefix` (REGISTRY/PATH, no tag),
// "app:1.0" -> PREFIX/app:1.0; bare tags of an image with no full name go on PREFIX itself. With no prefix, names go
// under `registry` as above. Throws Error for an image with no name at all.
std::vector<PushTarget> resolve_bundle_targets(std::string_view prefix, std::string_view registry,
                                               const std::vector<std::string>& extra_tags,
                                               const std::vector<std::string>& names,
                                               const std::vector<std::string>& bare_tags);

}  // namespace ocipush
