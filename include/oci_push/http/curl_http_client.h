// The real HttpClient: libcurl with pooled handles (connection reuse), timeouts, TLS options, stop.
#pragma once
#include <memory>
#include <mutex>
#include <vector>

#include "oci_push/http/http_client.h"
#include "oci_push/http/retry.h"

namespace ocipush {

// libcurl, with a pool of easy handles so connections stay open across requests and threads.
class CurlHttpClient : public HttpClient {
 public:
  // `stop` (SIGINT/SIGTERM) aborts transfers in flight, all but DELETEs (the cancelling of a session).
  CurlHttpClient(TlsOptions tls, HttpLogger logger = nullptr, HttpTimeouts timeouts = {},
                 const std::atomic<bool>* stop = nullptr);
  ~CurlHttpClient() override;
  HttpResponse send(const HttpRequest& request) override;

 private:
  void* acquire();
  void release(void* handle);

  TlsOptions tls_;
  HttpLogger logger_;
  HttpTimeouts timeouts_;
  const std::atomic<bool>* stop_;
  std::mutex mutex_;
  std::vector<void*> idle_;
};

}  // namespace ocipush
