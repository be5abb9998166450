#pragma once
#include <memory>
#include <mutex>
#include <vector>

#include "oci_push/http_client.h"

namespace ocipush {

// libcurl, with a pool of easy handles so connections stay open across requests and threads.
class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient(TlsOptions tls, HttpLogger logger = nullptr);
  ~CurlHttpClient() override;
  HttpResponse send(const HttpRequest& request) override;

 private:
  void* acquire();
  void release(void* handle);

  TlsOptions tls_;
  HttpLogger logger_;
  std::mutex mutex_;
  std::vector<void*> idle_;
};

}  // namespace ocipush
