// The real HttpClient: libcurl with pooled handles (connection reuse), timeouts, TLS options, stop.
#pragma once
#include <memory>
#include <mutex>
#include <vector>

#include "oci_push/http/http_client.h"
#include "oci_push/http/retry.h"

namespace ocipush {

class CurlMultiplexer;

// libcurl, with a pool of easy handles so connections stay open across requests and threads. Over
// HTTPS, requests without a streamed body (HEADs, manifests, mounts, small blobs) go through one
// CurlMultiplexer: HTTP/2 streams of one connection where the registry offers HTTP/2 (ALPN), else
// connections of its own pool; streamed uploads and blob GETs keep a connection each.
class CurlHttpClient : public HttpClient {
 public:
  // `stop` (SIGINT/SIGTERM) aborts transfers in flight, all but DELETEs (the cancelling of a session).
  CurlHttpClient(TlsOptions tls, HttpLogger logger = nullptr, HttpTimeouts timeouts = {},
                 const std::atomic<bool>* stop = nullptr);
  ~CurlHttpClient() override;
  HttpResponse send(const HttpRequest& request) override;

 private:
  // Handles for requests on their own connections, and for requests the multiplexer carries.
  void* acquire(bool multiplexed);
  void release(void* handle, bool multiplexed);
  CurlMultiplexer& multiplexer();

  TlsOptions tls_;
  HttpLogger logger_;
  HttpTimeouts timeouts_;
  const std::atomic<bool>* stop_;
  std::mutex mutex_;
  std::vector<void*> idle_;
  std::vector<void*> idle_multiplexed_;
  std::unique_ptr<CurlMultiplexer> multiplexer_;  // made by the first request it can carry
};

}  // namespace ocipush
