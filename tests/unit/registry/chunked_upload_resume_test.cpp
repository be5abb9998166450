// ChunkedUpload's resume of a failed chunk (blob_pipeline.cpp) and RegistryClient's retries, scripted.
#include <gtest/gtest.h>

#include "fakes/fake_http_client.h"
#include "fakes/fast_retries.h"
#include "oci_push/registry/chunked_upload.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {
namespace {

using testing::FakeHttpClient;
using testing::fast_retries;

const Digest kResumeDigest = *Digest::parse("sha256:" + std::string(64, 'b'));

// ping, POST, first PATCH (bytes 0-4) answered; the second PATCH fails on the network.
void start(FakeHttpClient& http, RegistryClient& client, ChunkedUpload& upload) {
  client.ping();
  upload.write("01234");
  http.fail_next(NetworkError::Kind::Other);
}

// The whole blob "0123456789" in chunks of 5, the second chunk failing once; the requests sent.
void push_ten_bytes(FakeHttpClient& http) {
  RegistryClient client(http, "reg.example", fast_retries(3));
  ChunkedUpload upload(client, "app", 5);
  start(http, client, upload);
  upload.write("56789");
  upload.finish(kResumeDigest);
}

TEST(ChunkedUploadResume, ResumesFromTheOffsetTheRegistryHolds) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(204, {{"location", "/v2/app/blobs/uploads/s3"}, {"range", "0-6"}});  // 7 bytes held
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s4"}});
  http.answer(201);
  push_ten_bytes(http);
  ASSERT_EQ(http.requests.size(), 7u);
  EXPECT_EQ(http.requests[3].header("Content-Range"), "5-9");  // the failed one
  EXPECT_EQ(http.requests[4].method, "GET");
  EXPECT_EQ(http.requests[4].url, "https://reg.example/v2/app/blobs/uploads/s2");
  EXPECT_EQ(http.requests[5].url, "https://reg.example/v2/app/blobs/uploads/s3");
  EXPECT_EQ(http.requests[5].header("Content-Range"), "7-9");
  EXPECT_EQ(http.requests[5].body, "789");
  EXPECT_EQ(http.requests[6].method, "PUT");
}

TEST(ChunkedUploadResume, ARangeBelowWhatWasAcknowledgedIsNotBelieved) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(201, {{"location", "/v2/app/blobs/uploads/s2"}, {"range", "0-4"}});
  http.answer(204, {{"range", "0-0"}});  // ECR-like: stuck
  http.answer(201, {{"range", "0-4"}});
  http.answer(201);
  push_ten_bytes(http);
  ASSERT_EQ(http.requests.size(), 7u);
  EXPECT_EQ(http.requests[5].header("Content-Range"), "5-9");
  EXPECT_EQ(http.requests[5].body, "56789");
}

TEST(ChunkedUploadResume, ASessionTheRegistryForgotIsATransientError) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(404);  // GET: BLOB_UPLOAD_UNKNOWN
  http.answer(204);  // DELETE when the upload goes away
  RegistryClient client(http, "reg.example", fast_retries(3));
  ChunkedUpload upload(client, "app", 5);
  start(http, client, upload);
  EXPECT_THROW(upload.write("56789"), TransientError);
}

TEST(ChunkedUploadResume, RetriesOfTheChunkAndItsRequestsShareOneAccount) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(503);  // GET after the failure: retried on the same account...
  http.answer(503);  // ...which is spent now (2 retries)
  http.answer(204);  // DELETE
  RegistryClient client(http, "reg.example", fast_retries(2));
  RetryBudget budget(client.retry_policy());
  RetryScope scope(budget);
  ChunkedUpload upload(client, "app", 5);
  start(http, client, upload);
  try {
    upload.write("56789");
    FAIL() << "no error";
  } catch (const TransientError& e) {
    EXPECT_NE(std::string(e.what()).find("gave up after 2 retries"), std::string::npos) << e.what();
  }
  EXPECT_EQ(budget.retries(), 2);
}

TEST(RegistryClientRetries, A503IsRetriedThenTheAnswerUsed) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(503, {{"retry-after", "0"}});
  http.answer(200, {{"content-length", "3"}});
  RegistryClient client(http, "reg.example", fast_retries(2));
  client.ping();
  EXPECT_EQ(client.blob_size("app", kResumeDigest), 3u);
  EXPECT_EQ(http.requests.size(), 3u);
}

TEST(RegistryClientRetries, ANonRetryableStatusIsNotRetried) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(400);
  RegistryClient client(http, "reg.example", fast_retries(5));
  client.ping();
  EXPECT_THROW(client.blob_size("app", kResumeDigest), Error);
  EXPECT_EQ(http.requests.size(), 2u);
}

TEST(RegistryClientRetries, TheFirstContactRetriesA503) {
  FakeHttpClient http;
  http.answer(503, {{"retry-after", "0"}});
  http.answer(200);
  RegistryClient client(http, "reg.example", fast_retries(2));
  client.ping();
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[1].url, "https://reg.example/v2/");
}

TEST(RegistryClientRetries, TheFirstContactRetriesAResetConnection) {
  FakeHttpClient http;
  http.fail_next(NetworkError::Kind::Other);
  http.answer(401, {{"www-authenticate", R"(Basic realm="r")"}});
  RegistryClient client(http, "reg.example", fast_retries(2));
  client.ping();
  EXPECT_EQ(http.requests.size(), 2u);
}

TEST(RegistryClientRetries, TheFirstContactDoesNotRetryARefusedConnectionOrTls) {
  for (auto kind : {NetworkError::Kind::Connect, NetworkError::Kind::Tls, NetworkError::Kind::Timeout}) {
    FakeHttpClient http;
    http.fail_next(kind);
    RegistryClient client(http, "reg.example", fast_retries(3));
    EXPECT_THROW(client.ping(), NetworkError);
    EXPECT_EQ(http.requests.size(), 1u);
  }
}

TEST(RegistryClientRetries, TheFirstContactGivesUpWhenTheAccountIsSpent) {
  FakeHttpClient http;
  http.answer(503);
  http.answer(503);
  http.answer(503);
  RegistryClient client(http, "reg.example", fast_retries(2));
  try {
    client.ping();
    FAIL() << "no error";
  } catch (const TransientError& e) {
    EXPECT_NE(std::string(e.what()).find("503"), std::string::npos) << e.what();
  }
  EXPECT_EQ(http.requests.size(), 3u);
}

}  // namespace
}  // namespace ocipush
