// HTTP/2 multiplexing for CurlHttpClient: requests handed to one thread that drives a libcurl multi
// handle, so concurrent requests to a registry that offers HTTP/2 travel as streams of one connection
// (one TLS handshake, one congestion window) instead of a connection each. Only for transfers whose
// callbacks never wait (no streamed body either way): one that blocked would stall every stream.
#pragma once
#include <curl/curl.h>

#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace ocipush {

class CurlMultiplexer {
 public:
  CurlMultiplexer();
  ~CurlMultiplexer();  // after every perform() has returned
  CurlMultiplexer(const CurlMultiplexer&) = delete;
  CurlMultiplexer& operator=(const CurlMultiplexer&) = delete;

  // Runs a prepared easy handle on the multiplexer's thread (its callbacks run there) and returns its
  // result, as curl_easy_perform would. Safe from several threads at once.
  CURLcode perform(CURL* easy);

 private:
  struct Job {
    CURL* easy;
    std::promise<CURLcode> done;
  };
  void run();
  bool take_submitted();  // false once stopping with nothing in flight
  void finish(Job* job, CURLcode result);

  CURLM* multi_;
  std::mutex mutex_;
  std::deque<Job*> submitted_;
  bool stopping_ = false;
  std::set<Job*> active_;  // on the loop thread only
  std::thread thread_;
};

}  // namespace ocipush
