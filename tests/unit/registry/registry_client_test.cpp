#include "oci_push/registry/registry_client.h"

#include <gtest/gtest.h>

#include "fakes/fake_http_client.h"
#include "oci_push/registry/chunked_upload.h"
#include "oci_push/util/base64.h"

namespace ocipush {
namespace {

using testing::FakeHttpClient;

const Digest kDigest = *Digest::parse("sha256:" + std::string(64, 'a'));

TEST(RegistryErrors, DescribesOciErrorBodies) {
  EXPECT_EQ(
      describe_registry_error(
          404,
          R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]})"),
      "HTTP 404: NAME_UNKNOWN repository name not known to registry");
  EXPECT_EQ(describe_registry_error(
                400, R"({"errors":[{"code":"TAG_INVALID","message":"tag exists","detail":"immutable"}]})"),
            "HTTP 400: TAG_INVALID tag exists (immutable)");
  EXPECT_EQ(describe_registry_error(502, "Bad Gateway\n"), "HTTP 502: Bad Gateway ");
  EXPECT_EQ(describe_registry_error(500, std::string("\x01\x02", 2)), "HTTP 500");
  EXPECT_EQ(describe_registry_error(500, ""), "HTTP 500");
}

TEST(RegistryUrls, ResolveLocation) {
  EXPECT_EQ(resolve_location("http://127.0.0.1:5000", "/v2/app/blobs/uploads/u?_state=x"),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/u?_state=x");
  EXPECT_EQ(resolve_location("https://r.example/v2/a/blobs/uploads/", "https://s3.example/bucket?sig=1"),
            "https://s3.example/bucket?sig=1");
  EXPECT_EQ(resolve_location("https://r.example/v2/", "//cdn.example/x"), "https://cdn.example/x");
  EXPECT_EQ(url_origin("https://r.example:443/v2/x?y"), "https://r.example:443");
  EXPECT_EQ(url_origin("nonsense"), "");
}

TEST(RegistryClient, LoopbackFallsBackToPlainHttp) {
  FakeHttpClient http;
  http.fail_next(NetworkError::Kind::Tls);
  http.answer(200);
  RegistryClient client(http, "127.0.0.1:5000", {});
  client.ping();
  EXPECT_EQ(client.base_url(), "http://127.0.0.1:5000");
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].url, "https://127.0.0.1:5000/v2/");
}

TEST(RegistryClient, RemoteHostNeverFallsBack) {
  FakeHttpClient http;
  http.fail_next(NetworkError::Kind::Tls);
  RegistryClient client(http, "registry.example.com", {});
  EXPECT_THROW(client.ping(), NetworkError);
  EXPECT_EQ(http.requests.size(), 1u);
}

TEST(RegistryClient, BasicCredentialsAfterChallenge) {
  FakeHttpClient http;
  http.answer(401, {{"www-authenticate", R"(Basic realm="reg")"}});
  http.answer(404);
  RegistryOptions options;
  options.credentials = Credentials{"user", "secret", ""};
  RegistryClient client(http, "localhost:5000", options);
  client.ping();
  EXPECT_FALSE(client.blob_size("app", kDigest).has_value());
  EXPECT_EQ(http.requests[1].method, "HEAD");
  EXPECT_EQ(http.requests[1].header("Authorization"), "Basic " + base64_encode("user:secret"));
}

TEST(RegistryClient, NoCredentialsOverPlainHttpToRemoteHosts) {
  FakeHttpClient http;
  http.answer(401, {{"www-authenticate", R"(Basic realm="reg")"}});
  RegistryOptions options;
  options.plain_http = true;
  options.credentials = Credentials{"user", "secret", ""};
  RegistryClient client(http, "registry.example.com", options);
  client.ping();
  EXPECT_THROW(client.blob_size("app", kDigest), Error);
  EXPECT_EQ(http.requests.size(), 1u) << "nothing may be sent with the credentials";
}

TEST(RegistryClient, BearerTokenFetchedWithScopeAndCredentials) {
  FakeHttpClient http;
  http.answer(401, {{"www-authenticate", R"(Bearer realm="https://auth.example/token",service="reg")"}});
  http.answer(200, {}, R"({"token":"T0K","expires_in":300})");
  http.answer(200, {{"content-length", "42"}});
  RegistryOptions options;
  options.credentials = Credentials{"u", "p", ""};
  RegistryClient client(http, "reg.example", options);
  client.ping();
  // The ping's challenge is enough: the token is fetched before the first repository request.
  EXPECT_EQ(client.blob_size("team/app", kDigest), 42u);
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(http.requests[1].url, "https://auth.example/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull%2Cpush");
  EXPECT_EQ(http.requests[1].header("Authorization"), "Basic " + base64_encode("u:p"));
  EXPECT_EQ(http.requests[2].header("Authorization"), "Bearer T0K");
}

TEST(RegistryClient, RedirectToAnotherHostDropsCredentials) {
  FakeHttpClient http;
  http.answer(401, {{"www-authenticate", R"(Basic realm="reg")"}});
  http.answer(307, {{"location", "https://storage.example/blob?sig=abc"}});
  http.answer(200, {}, "hello");
  RegistryOptions options;
  options.credentials = Credentials{"user", "secret", ""};
  RegistryClient client(http, "reg.example", options);
  client.ping();
  auto digest = sha256_of("hello");
  EXPECT_EQ(client.get_blob("app", digest, 100), "hello");
  EXPECT_NE(http.requests[1].header("Authorization"), "<none>");
  EXPECT_EQ(http.requests[2].url, "https://storage.example/blob?sig=abc");
  EXPECT_EQ(http.requests[2].header("Authorization"), "<none>");
}

std::string read_blob(RegistryClient& client, uint64_t offset) {
  std::string got;
  client.read_blob("app", kDigest, offset, [&](std::string_view d) { got.append(d); });
  return got;
}

TEST(RegistryClient, ARangedBlobGetFollowsARedirectWithItsRangeAndWithoutCredentials) {
  FakeHttpClient http;
  http.answer(401, {{"www-authenticate", R"(Basic realm="reg")"}});
  http.answer(307, {{"location", "https://storage.example/blob?X-Amz-Signature=abc"}});
  http.answer(206, {{"content-range", "bytes 5-9/10"}}, "56789");
  RegistryOptions options;
  options.credentials = Credentials{"user", "secret", ""};
  RegistryClient client(http, "reg.example", options);
  client.ping();
  EXPECT_EQ(read_blob(client, 5), "56789");
  EXPECT_EQ(http.requests[1].header("Range"), "bytes=5-");
  EXPECT_NE(http.requests[1].header("Authorization"), "<none>");
  EXPECT_EQ(http.requests[2].header("Range"), "bytes=5-");
  EXPECT_EQ(http.requests[2].header("Authorization"), "<none>");
}

TEST(RegistryClient, AWholeBlobAnsweredToARangeHasItsFirstBytesDropped) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(200, {}, "0123456789");
  RegistryClient client(http, "reg.example", {});
  client.ping();
  EXPECT_EQ(read_blob(client, 5), "56789");
}

TEST(RegistryClient, APartialAnswerFromElsewhereThanAskedIsRefused) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(206, {{"content-range", "bytes 0-9/10"}}, "0123456789");
  RegistryClient client(http, "reg.example", {});
  client.ping();
  EXPECT_THROW(read_blob(client, 5), Error);
}

TEST(RegistryClient, AManifestWhoseDockerContentDigestDisagreesIsRefused) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(200,
              {{"content-type", "application/vnd.oci.image.manifest.v1+json"},
               {"docker-content-digest", sha256_of("other").str()}},
              "{}");
  RegistryClient client(http, "reg.example", {});
  client.ping();
  EXPECT_THROW(client.get_manifest("app", "1"), Error);
}

TEST(RegistryClient, RedirectToNonHttpIsRefused) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(302, {{"location", "file:///etc/passwd"}});
  RegistryClient client(http, "reg.example", {});
  client.ping();
  EXPECT_THROW(client.get_blob("app", kDigest, 100), Error);
}

TEST(RegistryClient, BlobWithOtherContentIsRefused) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(200, {}, "not what was asked");
  RegistryClient client(http, "reg.example", {});
  client.ping();
  EXPECT_THROW(client.get_blob("app", kDigest, 100), Error);
}

// ECR answers PATCH with 201 and a Range header that stops advancing: the offset is ours to keep.
TEST(ChunkedUpload, TracksOffsetItselfAndAccepts201) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(201, {{"location", "/v2/app/blobs/uploads/s2"}, {"range", "0-4"}});
  http.answer(201, {{"location", "/v2/app/blobs/uploads/s3"}, {"range", "0-4"}});
  http.answer(201);
  RegistryClient client(http, "reg.example", {});
  client.ping();
  ChunkedUpload upload(client, "app", 5);
  upload.write("01234");
  upload.write("567");
  upload.finish(kDigest);
  ASSERT_EQ(http.requests.size(), 5u);
  EXPECT_EQ(http.requests[1].method, "POST");
  EXPECT_EQ(http.requests[2].method, "PATCH");
  EXPECT_EQ(http.requests[2].url, "https://reg.example/v2/app/blobs/uploads/s1");
  EXPECT_EQ(http.requests[2].header("Content-Range"), "0-4");
  EXPECT_EQ(http.requests[2].body, "01234");
  EXPECT_EQ(http.requests[3].url, "https://reg.example/v2/app/blobs/uploads/s2");
  EXPECT_EQ(http.requests[3].header("Content-Range"), "5-7");
  EXPECT_EQ(http.requests[3].body, "567");
  EXPECT_EQ(http.requests[4].method, "PUT");
  EXPECT_EQ(http.requests[4].url,
            "https://reg.example/v2/app/blobs/uploads/s3?digest=sha256%3A" + std::string(64, 'a'));
}

TEST(ChunkedUpload, AnUnfinishedSessionIsCancelled) {
  FakeHttpClient http;
  http.answer(200);
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s1"}});
  http.answer(202, {{"location", "/v2/app/blobs/uploads/s2"}});
  http.answer(204);
  RegistryClient client(http, "reg.example", {});
  client.ping();
  {
    ChunkedUpload upload(client, "app", 2);
    upload.write("abc");
  }
  ASSERT_EQ(http.requests.size(), 4u);
  EXPECT_EQ(http.requests[3].method, "DELETE");
  EXPECT_EQ(http.requests[3].url, "https://reg.example/v2/app/blobs/uploads/s2");
}

TEST(HttpLogRedaction, SecretsNeverReachTheLog) {
  EXPECT_EQ(redact_header_for_log({"Authorization", "Basic dXNlcjpzZWNyZXQ="}), "Authorization: REDACTED");
  EXPECT_EQ(redact_header_for_log({"Content-Type", "a/b"}), "Content-Type: a/b");
  EXPECT_EQ(redact_header_for_log({"x-amz-sso_bearer_token", "sso-access-token"}), "x-amz-sso_bearer_token: REDACTED");
  EXPECT_EQ(redact_url_for_log("https://s3/x?X-Amz-Signature=abc&part=1&X-Amz-Security-Token=t"),
            "https://s3/x?X-Amz-Signature=REDACTED&part=1&X-Amz-Security-Token=REDACTED");
  EXPECT_EQ(redact_header_for_log({"location", "https://s/x?sig=1&token=2"}),
            "location: https://s/x?sig=1&token=REDACTED");
}

// The parameter's name decides, in any case; its value runs to the next '&' and may hold '?' or '='.
TEST(HttpLogRedaction, OnlyTheValuesOfSecretParametersAreReplaced) {
  EXPECT_EQ(redact_url_for_log("https://h/p"), "https://h/p");
  EXPECT_EQ(redact_url_for_log("https://h/p?a=1&b=2"), "https://h/p?a=1&b=2");
  EXPECT_EQ(redact_url_for_log("https://h/p?PASSWORD=x"), "https://h/p?PASSWORD=REDACTED");
  EXPECT_EQ(redact_url_for_log("https://h/p?my_secret_key=a=b?c&x-credential="), "https://h/p?my_secret_key=REDACTED&x-credential=REDACTED");
  EXPECT_EQ(redact_url_for_log("https://h/p?token&sig=1"), "https://h/p?token&sig=1");  // no value to hide
  EXPECT_EQ(redact_url_for_log("https://h/p?a=1?token=2"), "https://h/p?a=1?token=REDACTED");
  EXPECT_EQ(redact_url_for_log("https://h/p?token=1&&token=2"), "https://h/p?token=REDACTED&&token=REDACTED");
  EXPECT_EQ(redact_url_for_log("https://h/token=1"), "https://h/token=1");  // a path, not a parameter
}

}  // namespace
}  // namespace ocipush
