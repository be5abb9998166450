// What the real ends of a pull or a copy share: the compression pool (unused but for its threads),
// libcurl, how a registry is reached and read into jobs; --platform parsing; Interrupted after a signal.
#pragma once
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "oci_push/formats/blob_store.h"
#include "oci_push/http/curl_http_client.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/blob_feeds.h"
#include "oci_push/transfer/push.h"
#include "oci_push/transfer/registry_source.h"
#include "oci_push/util/error.h"
#include "oci_push/util/stop.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

// The PushOptions a pull or copy runs push_to_sinks with: no local cache (nothing is compressed), its
// connection, width and dry run, and how progress says a blob moved.
inline PushOptions remote_push_options(const ConnectionOptions& connection, unsigned jobs, bool dry_run,
                                       const std::string& sent_word) {
  PushOptions p;
  p.connection = connection;
  p.jobs = jobs;
  p.use_cache = false;
  p.dry_run = dry_run;
  p.sent_word = sent_word;
  return p;
}

inline std::vector<Platform> parse_platforms(const std::vector<std::string>& texts) {
  std::vector<Platform> out;
  for (const auto& t : texts) out.push_back(Platform::parse(t));
  return out;
}

// What the real ends of a pull or copy share: the pool, libcurl, and how a registry is reached.
struct Ends {
  PushOptions push;
  ThreadPool pool;
  CurlHttpClient http;
  Progress& progress;

  Ends(PushOptions options, Progress& progress, const HttpLogger& http_log)
      : push(std::move(options)),
        pool(push.threads ? push.threads : std::max(1u, std::thread::hardware_concurrency())),
        http(push.connection.tls, http_log, push.connection.timeouts, &stop_flag()),
        progress(progress) {}

  std::unique_ptr<RegistryClient> connect(const Reference& ref, Access access) {
    return connect_registry(push.connection, http, ref.registry, ref.api_host(), ref.repository, access,
                            [this](const std::string& line) { progress.event(line); });
  }
  // A registry to read blobs from: big blobs in `ranges` parallel ranges (nullopt: kDefaultRangeWorkers
  // across a network, one stream on loopback, where one stream is the fastest: docs/benchmarks.md).
  std::unique_ptr<RegistryClient> connect_source(const Reference& ref, std::optional<unsigned> ranges) {
    auto client = connect(ref, Access::Pull);
    client->set_blob_ranges(ranges.value_or(is_loopback_registry(ref.registry) ? 0 : kDefaultRangeWorkers));
    return client;
  }

  // The source's artifact as a job to `target`, then (with `referrers`) a job per referrer, to the same
  // repository under its tag. Says when --platform changed the digest.
  void read(std::vector<PushJob>& jobs, std::shared_ptr<RegistryClient> client, const Reference& ref,
            const std::vector<Platform>& platforms, const PushTarget& target, bool referrers,
            std::shared_ptr<const BlobStore> local = nullptr) {
    auto read = read_registry_artifact(client, ref, platforms, std::move(local), referrers);
    if (read.narrowed_from)
      progress.event(ref.str() + ": index narrowed to the platforms asked; its digest is now " +
                     read.artifact.index->digest.str() + " (was " + read.narrowed_from->str() +
                     "), so the index pushed back from this bundle has the new digest");
    jobs.push_back({read.artifact, target});
    for (auto& r : read.referrers) {
      progress.event(ref.str() + ": referrer " + r.tag);
      PushTarget t{target.registry, target.api_host, target.repository, {r.tag}, std::nullopt};
      jobs.push_back({std::move(r.artifact), std::move(t)});
    }
  }
};

}  // namespace ocipush
