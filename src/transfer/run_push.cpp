// `oci-push push` over real ends: the source from disk or a stream, libcurl, the digest cache in the
// user's cache directory, the process's stop flag; everything else is push_to_sinks.
#include <memory>
#include <thread>

#include "oci_push/formats/local_source.h"
#include "oci_push/formats/stream_source.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/registry_sink.h"
#include "oci_push/transfer/push.h"
#include "oci_push/transfer/push_context.h"
#include "oci_push/transfer/stream_upload.h"
#include "oci_push/util/error.h"
#include "oci_push/util/stop.h"

namespace ocipush {

namespace {

// The cache is pruned when the push ends, whichever way it ends.
struct OpenedCache {
  std::unique_ptr<DigestCache> cache;
  ~OpenedCache() {
    if (cache) cache->prune();
  }
};

std::unique_ptr<DigestCache> open_cache(const PushOptions& options) {
  if (!options.use_cache) return nullptr;
  auto dir = DigestCache::default_directory();
  return dir ? std::make_unique<DigestCache>(*dir) : nullptr;
}

// A compressed tarball or stdin: layers go up as the stream passes, so the repository must be known
// before the first byte. With --all the prefix repository holds them, and each image's repository
// mounts them from it.
SourceContents open_stream(const SourceSpec& spec, const PushOptions& options, PushContext& context,
                           const std::function<std::unique_ptr<RegistrySink>(const Reference&)>& connect,
                           std::unique_ptr<RegistrySink>& stream_sink) {
  if (options.target.empty())
    throw UsageError(
        "a compressed tarball or standard input is read as a stream: give TARGET (REGISTRY/REPO[:TAG], or the "
        "REGISTRY/PREFIX of --all); --registry needs an uncompressed file");
  Reference ref = parse_reference(options.target);
  stream_sink = connect(ref);
  context.progress.event("streaming " + (spec.path == "-" ? std::string("standard input") : spec.path) + " to " +
                         ref.name());
  return open_source(spec, stream_uploader(*stream_sink, ref.repository, context));
}

}  // namespace

PushResult run_push(const PushOptions& options, Progress& progress, const HttpLogger& http_log) {
  return interruptible([&] {
    if (options.platform) Platform::parse(*options.platform);  // a usage error before any work
    SourceSpec spec = parse_source_spec(options.source);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    ThreadPool pool(threads);
    CurlHttpClient http(options.connection.tls, http_log, options.connection.timeouts, &stop_flag());
    OpenedCache cache{open_cache(options)};
    PushContext context{options, pool, progress, cache.cache.get(), stop_flag()};
    auto connect = [&](const std::string& registry, const std::string& api_host, const std::string& repository) {
      auto client = connect_registry(options.connection, http, registry, api_host, repository,
                                     options.dry_run ? Access::Pull : Access::Push,
                                     [&progress](const std::string& line) { progress.event(line); });
      return std::make_unique<RegistrySink>(std::move(client), options.chunk_size);
    };

    std::unique_ptr<RegistrySink> stream_sink;  // holds a stream's layers until the push ends
    SourceContents source =
        is_stream_source(spec)
            ? open_stream(
                  spec, options, context,
                  [&](const Reference& ref) { return connect(ref.registry, ref.api_host(), ref.repository); },
                  stream_sink)
            : open_source(spec);
    auto jobs = plan_push_jobs(source, spec, options);
    return push_to_sinks(
        jobs,
        [&](const PushTarget& target) -> std::unique_ptr<ImageSink> {
          auto sink = connect(target.registry, target.api_host, target.repository);
          progress.event(std::string(options.dry_run ? "planning push of " : "pushing ") + options.source + " to " +
                         target.name() + " (" + sink->client().base_url() + ")");
          return sink;
        },
        context);
  });
}

}  // namespace ocipush
