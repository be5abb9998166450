// ChunkedUpload with BlobSending::Background (chunked_upload.cpp): the same requests as inline sending,
// the writer free while a chunk is in flight, and errors and retries that reach the writer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "fakes/fake_http_client.h"
#include "fakes/fast_retries.h"
#include "oci_push/registry/chunked_upload.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {
namespace {

using testing::FakeHttpClient;
using testing::fast_retries;
using testing::RecordedRequest;

const Digest kDigest = *Digest::parse("sha256:" + std::string(64, 'c'));

void script_twelve_bytes(FakeHttpClient& http) {
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s3"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s4"}});
  http.answer(201);
}

// "0123456789ab" written in uneven pieces, chunks of 5: the requests it took.
std::vector<RecordedRequest> push_twelve_bytes(BlobSending sending) {
  FakeHttpClient http;
  script_twelve_bytes(http);
  RegistryClient client(http, "reg.example", {});
  client.ping();
  ChunkedUpload upload(client, "app", 5, sending);
  upload.write("0123");
  upload.write("4567");
  upload.write("89ab");
  upload.finish(kDigest);
  return http.requests;
}

TEST(ChunkedUploadBackground, SendsTheSameRequestsAsInline) {
  auto inline_requests = push_twelve_bytes(BlobSending::Inline);
  auto background_requests = push_twelve_bytes(BlobSending::Background);
  ASSERT_EQ(background_requests.size(), 6u);
  ASSERT_EQ(inline_requests.size(), background_requests.size());
  for (size_t i = 0; i < inline_requests.size(); ++i) {
    EXPECT_EQ(background_requests[i].method, inline_requests[i].method) << i;
    EXPECT_EQ(background_requests[i].url, inline_requests[i].url) << i;
    EXPECT_EQ(background_requests[i].header("Content-Range"), inline_requests[i].header("Content-Range")) << i;
    EXPECT_EQ(background_requests[i].body, inline_requests[i].body) << i;
  }
  EXPECT_EQ(background_requests[2].body, "01234");
  EXPECT_EQ(background_requests[3].body, "56789");
  EXPECT_EQ(background_requests[4].header("Content-Range"), "10-11");
  EXPECT_EQ(background_requests[4].body, "ab");
  EXPECT_EQ(background_requests[5].method, "PUT");
}

// Holds every PATCH until released, so a test can act while a chunk is in flight.
class GatedHttpClient : public HttpClient {
 public:
  explicit GatedHttpClient(FakeHttpClient& inner) : inner_(inner), gate_(open_.get_future().share()) {}
  HttpResponse send(const HttpRequest& request) override {
    if (request.method == "PATCH") {
      if (!patch_seen_.exchange(true)) patch_started_.set_value();
      if (gate_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) throw Error("gate never opened");
    }
    return inner_.send(request);
  }
  void open() { open_.set_value(); }
  std::future<void> patch_started() { return patch_started_.get_future(); }

 private:
  FakeHttpClient& inner_;
  std::promise<void> open_;
  std::shared_future<void> gate_;
  std::promise<void> patch_started_;
  std::atomic<bool> patch_seen_{false};
};

TEST(ChunkedUploadBackground, TheWriterFillsTheNextChunkWhileOneIsInFlight) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s3"}});
  http.answer(201);
  GatedHttpClient gated(http);
  auto patch_started = gated.patch_started();
  RegistryClient client(gated, "reg.example", {});
  client.ping();
  ChunkedUpload upload(client, "app", 5, BlobSending::Background);
  upload.write("01234");  // a full chunk: handed to the background
  ASSERT_EQ(patch_started.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  upload.write("567");                  // returns although the first PATCH has no answer yet
  EXPECT_EQ(http.requests.size(), 2u);  // ping, POST: the PATCH waits at the gate
  gated.open();
  upload.finish(kDigest);
  ASSERT_EQ(http.requests.size(), 5u);
  EXPECT_EQ(http.requests[2].body, "01234");
  EXPECT_EQ(http.requests[3].header("Content-Range"), "5-7");
  EXPECT_EQ(http.requests[4].method, "PUT");
}

TEST(ChunkedUploadBackground, AFailedChunkIsThrownByFinishAndTheSessionCancelled) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(400, {}, R"({"errors":[{"code":"BLOB_UPLOAD_INVALID"}]})");
  http.answer(204);  // DELETE
  RegistryClient client(http, "reg.example", {});
  client.ping();
  {
    ChunkedUpload upload(client, "app", 5, BlobSending::Background);
    upload.write("01234");
    upload.write("56");
    EXPECT_THROW(upload.finish(kDigest), Error);
  }
  ASSERT_EQ(http.requests.size(), 4u);
  EXPECT_EQ(http.requests[2].method, "PATCH");
  EXPECT_EQ(http.requests[3].method, "DELETE");
  EXPECT_EQ(http.requests[3].url, "https://reg.example/v2/app/blobs/uploads/s1");
}

TEST(ChunkedUploadBackground, AFailedChunkIsThrownByTheNextWriteThatFillsAChunk) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(400);
  http.answer(204);  // DELETE
  RegistryClient client(http, "reg.example", {});
  client.ping();
  ChunkedUpload upload(client, "app", 5, BlobSending::Background);
  upload.write("01234");
  EXPECT_THROW(upload.write("56789"), Error);
}

// The POST that opens the session fails once on the network, on the background thread: the retry is
// counted on the account the writer had in scope, as it would be inline.
TEST(ChunkedUploadBackground, RetriesDrawOnTheWritersAccount) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(201);
  RegistryClient client(http, "reg.example", fast_retries(3));
  client.ping();
  RetryBudget budget(client.retry_policy());
  RetryScope scope(budget);
  ChunkedUpload upload(client, "app", 5, BlobSending::Background);
  http.fail_next(NetworkError::Kind::Other);
  upload.write("01234");
  upload.finish(kDigest);
  EXPECT_EQ(budget.retries(), 1);
  ASSERT_EQ(http.requests.size(), 5u);
  EXPECT_EQ(http.requests[1].method, "POST");  // failed
  EXPECT_EQ(http.requests[2].method, "POST");
  EXPECT_EQ(http.requests[3].body, "01234");
  EXPECT_EQ(http.requests[4].method, "PUT");
}

}  // namespace
}  // namespace ocipush
