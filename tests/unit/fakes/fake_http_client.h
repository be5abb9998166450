// A scripted HttpClient for protocol tests: answers in order (then from a handler, when one serves) and
// records every request it was sent.
#pragma once
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "oci_push/http/http_client.h"

namespace ocipush::testing {

struct RecordedRequest {
  std::string method;
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
  std::chrono::milliseconds deadline{0};

  std::string header(const std::string& name) const {
    for (const auto& h : headers)
      if (h.name == name) return h.value;
    return "<none>";
  }
};

class FakeHttpClient : public HttpClient {
 public:
  void answer(long status, std::vector<HttpHeader> headers = {}, std::string body = "") {
    script_.push_back({status, std::move(headers), std::move(body)});
  }
  void fail_next(NetworkError::Kind kind) { failures_.push_back(kind); }
  // Answers every request the script does not (a whole registry, see fake_registry.h).
  void serve(std::function<HttpResponse(const HttpRequest&)> handler) { handler_ = std::move(handler); }

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests.push_back({request.method, request.url, request.headers, std::string(request.body), request.deadline});
    if (!failures_.empty()) {
      auto kind = failures_.front();
      failures_.pop_front();
      throw NetworkError(kind, request.method + " " + request.url + ": scripted failure");
    }
    if (script_.empty() && handler_) return handler_(request);
    if (script_.empty()) throw Error("unexpected request " + request.method + " " + request.url);
    auto response = script_.front();
    script_.pop_front();
    return streamed(request, std::move(response));
  }

  // A 2xx body goes to the request's body_writer, as libcurl hands it over.
  static HttpResponse streamed(const HttpRequest& request, HttpResponse response) {
    if (!request.body_writer || response.status < 200 || response.status >= 300) return response;
    std::string body = std::move(response.body);
    response.body.clear();
    if (!body.empty()) request.body_writer(response, body);
    return response;
  }

  std::vector<RecordedRequest> requests;

 private:
  std::mutex mutex_;
  std::deque<HttpResponse> script_;
  std::deque<NetworkError::Kind> failures_;
  std::function<HttpResponse(const HttpRequest&)> handler_;
};

}  // namespace ocipush::testing
