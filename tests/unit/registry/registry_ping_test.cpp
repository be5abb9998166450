// start_ping(): GET /v2/ on its own thread beside the first request. A read may travel beside it, but
// its answer waits for the ping; a write is not sent before the ping succeeded; a failed ping is the
// error the request reports.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/registry_options.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {
namespace {

using namespace std::chrono_literals;

// Holds GET /v2/ until released, then answers it with `ping_status`; answers the rest at once.
class GatedHttpClient : public HttpClient {
 public:
  long ping_status = 200;

  HttpResponse send(const HttpRequest& request) override {
    std::unique_lock lock(mutex_);
    seen_.push_back(request.method + " " + request.url);
    changed_.notify_all();
    if (request.url.ends_with("/v2/")) {
      changed_.wait(lock, [&] { return released_; });
      return {ping_status, {}, ""};
    }
    if (request.method == "POST") return {202, {{"location", "/v2/app/blobs/uploads/u1"}}, ""};
    return {404, {}, ""};  // GET/HEAD of a manifest or blob the registry lacks
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  // Waits up to `limit` for a request starting with `what` ("GET http://..."); true when it arrived.
  bool arrives(const std::string& what, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      for (const auto& s : seen_)
        if (s.starts_with(what)) return true;
      return false;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> seen_;
  bool released_ = false;
};

TEST(RegistryPing, AReadGoesBesideThePingAndItsAnswerWaitsForIt) {
  GatedHttpClient http;
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  client.start_ping();
  auto manifest = std::async(std::launch::async, [&] { return client.get_manifest("app", "1"); });
  EXPECT_TRUE(http.arrives("GET http://127.0.0.1:5000/v2/app/manifests/1", 5s));
  EXPECT_EQ(manifest.wait_for(100ms), std::future_status::timeout) << "the answer was used before the ping";
  http.release();
  EXPECT_FALSE(manifest.get().has_value());
}

TEST(RegistryPing, AWriteWaitsForThePing) {
  GatedHttpClient http;
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  client.start_ping();
  auto upload = std::async(std::launch::async, [&] { return client.start_upload("app"); });
  EXPECT_FALSE(http.arrives("POST", 150ms)) << "a POST went before the ping answered";
  http.release();
  EXPECT_EQ(upload.get(), "http://127.0.0.1:5000/v2/app/blobs/uploads/u1");
  EXPECT_TRUE(http.arrives("POST", 0ms));
}

TEST(RegistryPing, AFailedPingIsTheErrorAndNothingIsWritten) {
  GatedHttpClient http;
  http.ping_status = 404;  // not a registry
  http.release();
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  client.start_ping();
  try {
    (void)client.get_manifest("app", "1");  // its own answer (404) would mean "no such tag"
    FAIL() << "the failed ping was not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("GET /v2/ (is this a registry?)"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)client.start_upload("app"), Error);
  EXPECT_FALSE(http.arrives("POST", 0ms));
}

}  // namespace
}  // namespace ocipush
