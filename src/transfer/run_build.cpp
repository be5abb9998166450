// `oci-push build` over real ends: the Dockerfile and .dockerignore read, bases read through
// RegistryStore (manifests and configs; layers only if a --chown name needs /etc/passwd), layer tars
// hashed (or known from the digest cache), then push_to_sinks to each -t and the --output.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oci_push/build/build_engine.h"
#include "oci_push/build/config_edits.h"
#include "oci_push/build/path_patterns.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/registry/registry_sink.h"
#include "oci_push/transfer/build.h"
#include "oci_push/transfer/digest_cache.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/transfer/push_context.h"
#include "oci_push/transfer/registry_ends.h"
#include "oci_push/util/environment.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxAddedUrlBytes = 512u << 20;

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// BuildKit's rule: <Dockerfile>.dockerignore beside the Dockerfile, else CONTEXT/.dockerignore.
IgnoreMatcher dockerignore(const std::string& context, const std::string& dockerfile) {
  auto text = dockerfile.empty() ? std::nullopt : read_text(dockerfile + ".dockerignore");
  if (!text) text = read_text(context + "/.dockerignore");
  if (!text) return IgnoreMatcher();
  try {
    return IgnoreMatcher(parse_dockerignore(*text));
  } catch (const Error& e) {
    throw Error(".dockerignore: " + std::string(e.what()));
  }
}

BaseImage base_of(const Artifact& artifact, const std::string& name, std::optional<Digest> digest) {
  BaseImage base{name, std::move(digest), {}, {}, artifact.index};
  auto add = [&](const Artifact& a) {
    if (!a.image) return;
    auto config = nlohmann::json::parse(a.image->config, nullptr, false);
    Platform p = a.platform.value_or(Platform{config.value("os", std::string("linux")),
                                              config.value("architecture", std::string("amd64")),
                                              config.value("variant", std::string())});
    if (p.os == "unknown" && p.architecture == "unknown") return;  // an attestation, not an image
    base.images.push_back(a.image);
    base.platforms.push_back(p);
  };
  if (artifact.index)
    for (const auto& child : artifact.index->children) add(child);
  else add(artifact);
  if (base.images.empty()) throw Error(name + ": has no image to build on");
  return base;
}

bool is_local_source(const std::string& text) {
  struct stat st {};
  return text.starts_with("oci:") || text.starts_with("oci-archive:") || text.starts_with("docker-archive:") ||
         text.starts_with("./") || text.starts_with("/") || ::stat(text.c_str(), &st) == 0;
}

struct Builder {
  const BuildOptions& options;
  Progress& progress;
  Ends ends;
  std::unique_ptr<DigestCache> cache;
  std::vector<std::shared_ptr<const void>> keep_alive;  // local sources the base layers are read from

  BaseImage resolve(const std::string& text) {
    if (is_local_source(text)) {
      auto source = open_source(parse_source_spec(text));
      keep_alive.push_back(source.keep_alive);
      if (source.artifacts.size() != 1) throw Error(text + ": holds " + std::to_string(source.artifacts.size()) + " images; name one");
      const auto& a = source.artifacts.front();
      return base_of(a, text, a.index ? std::optional(a.index->digest) : std::nullopt);
    }
    Reference ref = parse_reference(text);
    progress.event("reading base " + ref.str() + " (manifests and configs only)");
    std::shared_ptr<RegistryClient> client = ends.connect_source(ref, std::nullopt);
    auto read = read_registry_artifact(client, ref, {}, nullptr, false);
    const Artifact& a = read.artifact;
    return base_of(a, ref.str(), a.index ? a.index->digest : a.image->manifest_digest);
  }

  // ADD of a URL: a plain GET (redirects followed, at most 5), whole into memory, 2xx only.
  std::string fetch(const std::string& url) {
    std::string at = url;
    for (int hop = 0; hop <= 5; ++hop) {
      HttpRequest get{"GET", at, {}, {}, kMaxAddedUrlBytes, {}, {}, {}};
      progress.event("fetching " + redact_url_for_log(at));
      HttpResponse r = ends.http.send(get);
      if (r.status >= 200 && r.status < 300) return std::move(r.body);
      auto location = r.header("location");
      if (r.status >= 300 && r.status < 400 && location) {
        at = location->starts_with("http://") || location->starts_with("https://")
                 ? *location
                 : at.substr(0, at.find('/', at.find("//") + 2)) + (location->starts_with('/') ? "" : "/") + *location;
        continue;
      }
      throw Error(redact_url_for_log(url) + ": HTTP " + std::to_string(r.status));
    }
    throw Error(redact_url_for_log(url) + ": more than 5 redirects");
  }

  Digest hash(const ByteSource& tar) {
    auto identity = tar.identity();
    if (cache && identity)
      if (auto known = cache->verified_digest(*identity)) return *known;
    Sha256 h;
    std::string buffer(1 << 20, '\0');
    for (uint64_t at = 0; at < tar.size();) {
      if (stop_flag()) throw Interrupted();
      size_t n = tar.read_at(at, buffer.data(), buffer.size());
      if (n == 0) throw Error(tar.name() + ": shorter than planned");
      h.update(buffer.data(), n);
      at += n;
    }
    Digest d = h.finish();
    if (cache && identity) cache->record_verified(*identity, d);
    return d;
  }
};

BuildRequest build_request(const BuildOptions& options) {
  BuildRequest r;
  r.context.root = fs::weakly_canonical(options.context).string();
  struct stat st {};
  if (::stat(r.context.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UsageError(options.context + ": the build context is not a directory");
  std::string dockerfile_path;
  if (options.from_flags) {
    r.dockerfile = dockerfile_from_flags(options.flags);
    r.file_name = "(the command line)";
    r.literal = true;
  } else {
    dockerfile_path = options.dockerfile.empty() ? options.context + "/Dockerfile" : options.dockerfile;
    auto text = read_text(dockerfile_path);
    if (!text) throw Error(dockerfile_path + ": cannot read the Dockerfile");
    r.dockerfile = parse_dockerfile(*text, dockerfile_path);
    r.file_name = dockerfile_path;
  }
  auto ignore = std::make_shared<IgnoreMatcher>(dockerignore(options.context, dockerfile_path));
  r.context.hidden = [ignore](const std::string& path) { return !path.empty() && ignore->excluded(path); };
  r.build_args = options.build_args;
  r.target = options.target;
  r.platforms = parse_platforms(options.platforms);
  r.host_platform = this_machine_platform();
  r.epoch = parse_source_date_epoch(system_environment().get("SOURCE_DATE_EPOCH"));
  r.keep_mtimes = options.keep_mtimes;
  r.labels = options.labels;
  r.annotations = options.annotations;
  return r;
}

// A tarball is written in place from a plan of every blob's size, which a layer compressed here has only
// once it is: the image goes into an OCI layout beside DEST first, then from there into the tarball.
PushResult write_tarball(const Artifact& artifact, const PushTarget& named, const PullDestination& dest,
                         PushContext& context, const Platform& platform) {
  const std::string staging = dest.path + ".layout.partial";
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  push_to_destination({{artifact, named}}, {PullDestination::Kind::Layout, staging}, context, platform);
  auto staged = open_source(parse_source_spec("oci:" + staging));
  if (staged.artifacts.size() != 1) throw Error(staging + ": expected the one image just built");
  auto written = push_to_destination({{staged.artifacts.front(), named}}, dest, context, platform);
  fs::remove_all(staging, ignored);
  return written;
}

PushTarget target_of(const std::string& text) {
  Reference ref = parse_reference(text);
  if (ref.digest) throw UsageError("-t " + in_quotes(text) + ": a tag, not a digest (the digest is the build's)");
  return {ref.registry, ref.api_host(), ref.repository, {ref.tag.value_or("latest")}, std::nullopt};
}

}  // namespace

BuildResult run_build(const BuildOptions& options, Progress& progress, const HttpLogger& http_log) {
  return interruptible([&] {
    if (options.tags.empty() && options.output.empty())
      throw UsageError("build needs somewhere to put the image: -t REGISTRY/REPO[:TAG] or --output DEST");
    // -t REG/app:1 -t REG/app:latest is one push with two tags, as docker build does it.
    std::vector<PushTarget> targets;
    for (const auto& t : options.tags) {
      PushTarget target = target_of(t);
      auto same = std::find_if(targets.begin(), targets.end(), [&](const PushTarget& o) { return o.name() == target.name(); });
      if (same == targets.end()) targets.push_back(std::move(target));
      else if (std::find(same->tags.begin(), same->tags.end(), target.tags[0]) == same->tags.end())
        same->tags.push_back(target.tags[0]);
    }
    std::optional<PullDestination> dest;
    if (!options.output.empty()) dest = parse_pull_destination(options.output);
    BuildRequest request = build_request(options);  // every local error before any connection
    PushOptions push = options.push;
    push.format = ManifestFormat::Oci;
    Builder b{options, progress, Ends(push, progress, http_log), nullptr, {}};
    if (push.use_cache)
      if (auto dir = DigestCache::default_directory()) b.cache = std::make_unique<DigestCache>(*dir);
    request.fetch_url = [&](const std::string& url) { return b.fetch(url); };
    BuildOutcome built = build_image(
        request, [&](const std::string& ref) { return b.resolve(ref); }, [&](const ByteSource& tar) { return b.hash(tar); });
    for (const auto& n : built.notices) progress.event(n);
    progress.event("built " + request.file_name + ": " + std::to_string(built.new_layers) + " new layer(s)");
    if (dest) check_destination(*dest, push.dry_run);
    PushContext context{b.ends.push, b.ends.pool, progress, b.cache.get(), stop_flag()};
    BuildResult result;
    std::vector<PushJob> jobs;
    for (const auto& t : targets) jobs.push_back({built.artifact, t});
    if (!jobs.empty())
      result.pushed = push_to_sinks(
          jobs,
          [&](const PushTarget& t) -> std::unique_ptr<ImageSink> {
            auto client = connect_registry(push.connection, b.ends.http, t.registry, t.api_host, t.repository,
                                           push.dry_run ? Access::Pull : Access::Push,
                                           [&](const std::string& line) { progress.event(line); });
            progress.event(std::string(push.dry_run ? "planning push of " : "pushing ") + "the build to " + t.name() +
                           " (" + client->base_url() + ")");
            return std::make_unique<RegistrySink>(std::move(client), push.chunk_size);
          },
          context);
    if (dest) {
      PushTarget named = targets.empty() ? PushTarget{"localhost", "localhost", "oci-push-build", {"latest"}, std::nullopt}
                                         : targets.front();
      const Platform platform = request.platforms.empty() ? request.host_platform : request.platforms.front();
      auto written = dest->kind == PullDestination::Kind::Layout || push.dry_run
                         ? push_to_destination({{built.artifact, named}}, *dest, context, platform)
                         : write_tarball(built.artifact, named, *dest, context, platform);
      for (auto& r : written.repositories) result.pushed.repositories.push_back(std::move(r));
      result.pushed.dry_run = push.dry_run;
    }
    result.notices = built.notices;
    if (b.cache) b.cache->prune();
    return result;
  });
}

}  // namespace ocipush
