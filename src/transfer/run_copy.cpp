// `oci-push copy` over real ends: a registry read through RegistryStore, written through RegistrySink,
// the transfer itself push_to_sinks'; a list of pairs checked with HEADs first, then copied.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "oci_push/registry/registry_sink.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/transfer/push_context.h"
#include "oci_push/transfer/registry_ends.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

PushOptions copy_push_options(const CopyOptions& options) {
  PushOptions p = remote_push_options(options.connection, options.jobs, options.dry_run, "copied");
  p.chunk_size = options.chunk_size;
  return p;
}

PushTarget copy_target(const Reference& src, const Reference& dst, const std::vector<std::string>& extra_tags) {
  if (dst.digest) throw UsageError("copy's TARGET takes a tag, not a digest: " + in_quotes(dst.str()));
  PushTarget target{dst.registry, dst.api_host(), dst.repository, {}, src.digest};
  if (dst.tag) target.tags.push_back(*dst.tag);
  else if (src.tag || !src.digest) target.tags.push_back(src.tag.value_or("latest"));
  for (const auto& t : extra_tags)
    if (std::find(target.tags.begin(), target.tags.end(), t) == target.tags.end()) target.tags.push_back(t);
  return target;
}

PushResult copy_one(Ends& ends, const CopyOptions& options, const Reference& src, const Reference& dst,
                    BlobPlacements* placements = nullptr) {
  std::vector<PushJob> jobs;
  ends.read(jobs, ends.connect_source(src, options.ranges), src, parse_platforms(options.platforms),
            copy_target(src, dst, options.extra_tags), options.referrers);
  PushContext context{ends.push, ends.pool, ends.progress, nullptr, stop_flag(), placements};
  return push_to_sinks(
      jobs,
      [&](const PushTarget& t) -> std::unique_ptr<ImageSink> {
        auto client = ends.connect(dst, options.dry_run ? Access::Pull : Access::Push);
        ends.progress.event("copying " + src.str() + " to " + t.name() + " (" + client->base_url() + ")");
        return std::make_unique<RegistrySink>(std::move(client), options.chunk_size);
      },
      context);
}

// The pair's result when TARGET's tag already names SOURCE's manifest (two HEADs), else nullopt.
std::optional<RepositoryResult> already_there(Ends& ends, const Reference& src, const Reference& dst) {
  if (!dst.tag || !src.tag || src.digest) return std::nullopt;
  auto have = ends.connect(dst, Access::Pull)->head_manifest(dst.repository, *dst.tag);
  if (!have) return std::nullopt;
  auto want = ends.connect(src, Access::Pull)->head_manifest(src.repository, *src.tag);
  if (!want || want->digest != have->digest) return std::nullopt;
  ends.progress.event(dst.str() + " already is " + want->digest.str() + ", skipped");
  RepositoryResult skipped{dst.name(), {*dst.tag}, {}, true};
  skipped.manifest.digest = want->digest;
  skipped.manifest.media_type = have->media_type;
  skipped.manifest.size = have->size;
  return skipped;
}

PushResult copy_list(Ends& ends, const CopyOptions& options) {
  std::ifstream in(options.from_file);
  if (!in) throw Error(options.from_file + ": cannot read the copy list");
  std::stringstream text;
  text << in.rdbuf();
  auto pairs = parse_copy_list(text.str(), options.from_file);
  // Pairs into one repository go one after another (their shared blobs are then found, not sent twice);
  // different repositories at once, a blob they share sent to the registry once and mounted by the others.
  std::map<std::string, std::vector<size_t>> by_target;
  for (size_t i = 0; i < pairs.size(); ++i) by_target[parse_reference(pairs[i].target).name()].push_back(i);
  std::vector<std::vector<size_t>> groups;
  for (auto& [name, members] : by_target) groups.push_back(std::move(members));
  std::vector<std::vector<RepositoryResult>> results(pairs.size());
  BlobPlacements placements;
  run_parallel(
      groups.size(), std::max(1u, options.jobs),
      [&](size_t g) {
        for (size_t i : groups[g]) {
          Reference src = parse_reference(pairs[i].source), dst = parse_reference(pairs[i].target);
          if (auto skipped = already_there(ends, src, dst)) results[i] = {*skipped};
          else results[i] = copy_one(ends, options, src, dst, &placements).repositories;
        }
      },
      stop_flag());
  PushResult all;
  all.dry_run = options.dry_run;
  for (auto& r : results) all.repositories.insert(all.repositories.end(), r.begin(), r.end());
  return all;
}

}  // namespace

std::vector<CopyPair> parse_copy_list(std::string_view text, const std::string& where) {
  std::vector<CopyPair> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (size_t n = 1; std::getline(lines, line); ++n) {
    std::istringstream words(line);
    std::string src, dst, extra;
    if (!(words >> src) || src.starts_with("#")) continue;
    if (!(words >> dst) || (words >> extra))
      throw UsageError(where + ":" + std::to_string(n) + ": expected \"SRC DST\", got " + in_quotes(line));
    try {
      parse_reference(src);
      parse_reference(dst);
    } catch (const Error& e) {
      throw UsageError(where + ":" + std::to_string(n) + ": " + e.what());
    }
    out.push_back({src, dst});
  }
  if (out.empty()) throw UsageError(where + ": no \"SRC DST\" pair in the copy list");
  return out;
}

PushResult run_copy(const CopyOptions& options, Progress& progress, const HttpLogger& http_log) {
  return interruptible([&] {
    parse_platforms(options.platforms);
    Ends ends(copy_push_options(options), progress, http_log);
    if (!options.from_file.empty()) return copy_list(ends, options);
    return copy_one(ends, options, parse_reference(options.source), parse_reference(options.target));
  });
}

}  // namespace ocipush
