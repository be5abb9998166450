// A whole push through RegistrySink and RegistryClient against FakeHttpClient serving FakeRegistry (the
// distribution API in memory), and the requests it made: for tests of the push over the protocol.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "fakes/fake_http_client.h"
#include "fakes/fake_registry.h"
#include "fakes/fast_retries.h"
#include "oci_push/registry/registry_sink.h"
#include "oci_push/transfer/push.h"
#include "oci_push/transfer/push_context.h"

namespace ocipush::testing {

struct HttpRun {
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>();
  FakeRegistry registry{store};
  FakeHttpClient http;
  PushOptions options;
  ThreadPool pool{2};
  SilentProgress progress;
  std::atomic<bool> stop{false};
  std::unique_ptr<DigestCache> cache;

  explicit HttpRun(int retries = 3) : retries_(retries) {
    http.serve([this](const HttpRequest& r) { return registry.handle(r); });
    options.target = "registry.test/app:1";
    options.connection.retry = fast_retries(retries).retry;
  }
  PushResult push(const SourceContents& contents) {
    PushContext context{options, pool, progress, cache.get(), stop};
    return push_to_sinks(
        plan_push_jobs(contents, SourceSpec{}, options),
        [&](const PushTarget& target) {
          auto client = std::make_unique<RegistryClient>(http, target.api_host, fast_retries(retries_));
          client->ping();
          return std::make_unique<RegistrySink>(std::move(client), options.chunk_size);
        },
        context);
  }
  size_t requests(const std::string& method, const std::string& part) const {
    size_t n = 0;
    for (const auto& r : http.requests) n += r.method == method && r.url.find(part) != std::string::npos;
    return n;
  }
  int retries_;
};

}  // namespace ocipush::testing
