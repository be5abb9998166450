#include "oci_push/transfer/push_target.h"

#include <algorithm>

#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

void add_tag(std::vector<std::string>& tags, const std::string& tag) {
  if (!is_valid_tag(tag)) throw UsageError("invalid tag " + in_quotes(tag));
  if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
}

// RepoTags entries as the tarball records them ("app:1.0", "localhost:5000/app:1.0").
Reference parse_repo_tag(const std::string& repo_tag) {
  try {
    return parse_reference(repo_tag);
  } catch (const Error& e) {
    throw Error(std::string("the tarball's RepoTags entry is not a valid reference: ") + e.what());
  }
}

Reference registry_host(std::string_view registry) {
  Reference host = parse_reference(std::string(registry) + "/placeholder");
  if (host.registry != registry) throw UsageError("--registry " + in_quotes(registry) + " is not a registry host");
  return host;
}

// `name`'s repository and tag moved under `base` (its registry, and its repository as a prefix when
// `prefix` is set).
Reference under(const Reference& base, Reference ref, const std::string& written, const std::string& prefix) {
  ref.registry = base.registry;
  // "ubuntu:22.04" was normalised to library/ubuntu for Docker Hub only; keep the name as written.
  if (ref.repository.starts_with("library/") && written.find("library/") == std::string::npos)
    ref.repository = ref.repository.substr(8);
  if (!prefix.empty()) ref.repository = prefix + "/" + ref.repository;
  ref.digest.reset();
  return ref;
}

PushTarget& target_for(std::vector<PushTarget>& targets, const Reference& ref) {
  for (auto& t : targets)
    if (t.registry == ref.registry && t.repository == ref.repository) return t;
  targets.push_back({ref.registry, ref.api_host(), ref.repository, {}, ref.digest});
  return targets.back();
}

}  // namespace

static void finish_targets(std::vector<PushTarget>& targets, const std::vector<std::string>& extra_tags);

std::vector<PushTarget> resolve_push_targets(std::string_view target, std::string_view registry,
                                             const std::vector<std::string>& extra_tags,
                                             const std::vector<std::string>& repo_tags,
                                             const std::vector<std::string>& bare_tags) {
  std::vector<PushTarget> targets;
  if (!target.empty()) {
    if (!registry.empty()) throw UsageError("--registry applies only when TARGET is omitted");
    Reference ref = parse_reference(target);
    auto& t = target_for(targets, ref);
    if (ref.tag) {
      add_tag(t.tags, *ref.tag);
    } else if (!ref.digest) {
      for (const auto& repo_tag : repo_tags)
        if (auto tag = parse_repo_tag(repo_tag).tag) add_tag(t.tags, *tag);
      for (const auto& tag : bare_tags) add_tag(t.tags, tag);
    }
  } else {
    if (registry.empty())
      throw UsageError("no TARGET: give REGISTRY/REPO[:TAG], or --registry HOST to use the tarball's RepoTags");
    if (repo_tags.empty())
      throw Error("no TARGET given and the image records no repository name (RepoTags): give REGISTRY/REPO:TAG");
    Reference host = registry_host(registry);
    for (const auto& repo_tag : repo_tags) {
      Reference ref = under(host, parse_repo_tag(repo_tag), repo_tag, "");
      auto& t = target_for(targets, ref);
      t.api_host = host.api_host();
      if (ref.tag) add_tag(t.tags, *ref.tag);
    }
  }
  finish_targets(targets, extra_tags);
  return targets;
}

std::vector<PushTarget> resolve_bundle_targets(std::string_view prefix, std::string_view registry,
                                               const std::vector<std::string>& extra_tags,
                                               const std::vector<std::string>& names,
                                               const std::vector<std::string>& bare_tags) {
  if (prefix.empty()) return resolve_push_targets("", registry, extra_tags, names);
  if (!registry.empty()) throw UsageError("--registry applies only when TARGET is omitted");
  Reference base = parse_reference(prefix);
  if (base.tag || base.digest) throw UsageError("with --all, TARGET is a REGISTRY/PREFIX without a tag or digest");
  std::vector<PushTarget> targets;
  for (const auto& name : names) {
    Reference ref = under(base, parse_repo_tag(name), name, base.repository);
    auto& t = target_for(targets, ref);
    t.api_host = base.api_host();
    if (ref.tag) add_tag(t.tags, *ref.tag);
  }
  // A bare ref.name tag only places an image that has no full name (Docker 25 writes both).
  if (names.empty() && !bare_tags.empty()) {
    auto& t = target_for(targets, base);
    for (const auto& tag : bare_tags) add_tag(t.tags, tag);
  }
  if (targets.empty())
    throw Error("an image of the bundle has no name (no RepoTags or ref.name); --all cannot place it");
  finish_targets(targets, extra_tags);
  return targets;
}

static void finish_targets(std::vector<PushTarget>& targets, const std::vector<std::string>& extra_tags) {
  for (auto& t : targets) {
    for (const auto& tag : extra_tags) add_tag(t.tags, tag);
    if (t.tags.empty() && !t.digest)
      throw Error("no tag for " + t.name() +
                  ": TARGET names none and the tarball records no RepoTags; add :TAG or -t TAG");
  }
}

}  // namespace ocipush
