#include "oci_push/transfer/push.h"

#include "oci_push/transfer/artifact_push.h"
#include "oci_push/transfer/known_layers.h"
#include "oci_push/transfer/publish.h"
#include "oci_push/transfer/push_context.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

// The artifact (and, with --platform, the one image of an index) that a non --all push sends.
Artifact choose_artifact(const SourceContents& source, const SourceSpec& spec, const PushOptions& options) {
  if (!spec.reference.empty() && !options.image.empty())
    throw UsageError("the source names an image (" + in_quotes(spec.reference) + "); --image cannot also");
  Artifact artifact = source.artifacts[select_artifact(source, options.image.empty() ? spec.reference : options.image)];
  if (!options.platform || !artifact.index) return artifact;
  Platform wanted = Platform::parse(*options.platform);
  std::string available;
  for (const auto& child : artifact.index->children) {
    if (child.platform && child.platform->matches(wanted)) {
      Artifact chosen = child;
      chosen.names = artifact.names;
      chosen.tags = artifact.tags;
      return chosen;
    }
    available += (available.empty() ? "" : ", ") + (child.platform ? child.platform->str() : std::string("?"));
  }
  throw Error(source.name + ": no image for platform " + wanted.str() + " (it has " + available + ")");
}

}  // namespace

std::string short_digest(const Digest& d) { return d.algorithm + ":" + d.hex.substr(0, 12); }

std::vector<PushJob> plan_push_jobs(const SourceContents& source, const SourceSpec& spec, const PushOptions& options) {
  std::vector<PushJob> jobs;
  if (options.all) {
    if (!options.image.empty() || !spec.reference.empty())
      throw UsageError("--all pushes every image; it takes no --image");
    for (const auto& artifact : source.artifacts)
      for (auto& t :
           resolve_bundle_targets(options.target, options.registry, options.extra_tags, artifact.names, artifact.tags))
        jobs.push_back({artifact, std::move(t)});
    return jobs;
  }
  Artifact chosen = choose_artifact(source, spec, options);
  for (auto& t : resolve_push_targets(options.target, options.registry, options.extra_tags, chosen.names, chosen.tags))
    jobs.push_back({chosen, std::move(t)});
  return jobs;
}

PushResult push_to_sinks(const std::vector<PushJob>& jobs, const SinkOpener& open_sink, PushContext& context) {
  const PushOptions& options = context.options;
  PushResult result;
  result.dry_run = options.dry_run;
  ArtifactPusher pusher(context);
  KnownLayers pushed_before;  // layers this run already compressed, by diff_id
  for (const auto& job : jobs) {
    const PushTarget& target = job.target;
    auto sink = open_sink(target);
    ProbedSink to(*sink);
    KnownLayers known = layers_known_for(*sink, target, options, context.progress);
    known.insert(pushed_before.begin(), pushed_before.end());
    auto built = pusher.push(to, target.repository, job.artifact, known);
    if (target.digest && *target.digest != built.result.digest.str())
      throw Error("the manifest's digest is " + built.result.digest.str() + ", not the " + *target.digest +
                  " that the target names; nothing tagged");
    if (!options.dry_run) pusher.tag(to, target, job.artifact, built, known);
    pushed_before.insert(known.begin(), known.end());
    result.repositories.push_back({target.name(), target.tags, std::move(built.result)});
  }
  return result;
}

}  // namespace ocipush
