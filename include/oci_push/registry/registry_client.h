// The OCI distribution protocol (v1.1) as a client: ping and auth, blobs, chunked uploads, manifests.
#pragma once
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/http/http_client.h"
#include "oci_push/http/retry.h"
#include "oci_push/model/credentials.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/registry/auth_challenge.h"
#include "oci_push/registry/registry_auth.h"

namespace ocipush {

struct RegistryOptions {
  bool plain_http = false;  // http:// from the start
  std::optional<Credentials> credentials;
  std::string actions = "pull,push";                 // the scope asked of a token server
  RetryPolicy retry;                                 // 408/429/5xx and network failures: see retry.h
  std::function<void(const std::string&)> on_retry;  // one line per retry, for the progress log
};

// What the registry holds of an upload session (GET on its URL).
// The registry refused to continue an upload session (404, 416): worth another try, in a new session.
class UploadSessionRefused : public TransientError {
 public:
  using TransientError::TransientError;
};

// A registry answered a bounded Range with the whole blob (200): ranges are no use there.
class RangeNotServed : public Error {
 public:
  using Error::Error;
};

struct UploadStatus {
  uint64_t held = 0;  // bytes, from its Range header ("0-0": none)
  std::string url;    // where the session goes on
};

// One line for a registry's refusal: status, and the OCI error codes and messages when the body has them.
std::string describe_registry_error(long status, std::string_view body);
// Resolves a Location header against the registry's base URL ("/v2/..." or absolute).
std::string resolve_location(std::string_view base_url, std::string_view location);
// "scheme://host[:port]" of a URL ("" when it has none).
std::string url_origin(std::string_view url);

// What a HEAD of a manifest says: its digest (Docker-Content-Digest) and media type (Content-Type).
struct ManifestHead {
  Digest digest;
  std::string media_type;
  uint64_t size = 0;
};

// The most a manifest, index or referrers answer may hold: the distribution spec's own limit.
inline constexpr size_t kMaxManifestSize = 4 << 20;

class RegistryClient {
 public:
  RegistryClient(HttpClient& http, std::string registry_host, RegistryOptions options);

  // GET /v2/: picks https or (loopback only, as docker does) http, and learns the auth challenge.
  // A reset connection or a 408/429/5xx answer is retried like any request; a refused connection, a
  // timeout or a TLS failure is not (on first contact those mean a wrong address or setup).
  void ping();
  // ping() on its own thread, beside the first request, for a registry whose scheme is already chosen
  // (--plain-http, or not loopback): saves its round trip on a long link. No answer is used, and nothing
  // is written or streamed, before the ping has succeeded; its failure is the error any request reports.
  void start_ping();
  const std::string& base_url() const { return base_url_; }
  const std::string& host() const { return host_; }
  // GET /v2/ with the credentials (a scope-less token for Bearer): throws Error when they are refused.
  void check_login();

  // HEAD: the blob's size when the repository has it, nullopt on 404.
  std::optional<uint64_t> blob_size(const std::string& repo, const Digest& digest);
  // POST: an upload session; returns its URL.
  std::string start_upload(const std::string& repo);
  // POST ?mount=&from=: true when the registry mounted the blob from repository `from`; false when it
  // started an upload instead, as registries may (that session is cancelled).
  bool mount_blob(const std::string& repo, const Digest& digest, const std::string& from);
  // PATCH one chunk at `offset`; returns the session URL for the next request.
  std::string upload_chunk(const std::string& repo, const std::string& upload_url, uint64_t offset,
                           std::string_view chunk);
  // PATCH with a body produced while it is sent (no Content-Range: the registry appends); returns the
  // session URL for the next request. A 404/416 (the session is gone, or elsewhere) is a TransientError.
  std::string upload_stream(const std::string& repo, const std::string& upload_url,
                            const std::function<size_t(char*, size_t)>& body);
  // One retry on `budget` after `what` failed: says so through on_retry, waits (backoff, or the
  // Retry-After) and returns true; false when the budget is spent.
  bool wait_to_retry(RetryBudget& budget, const std::string& what, std::optional<Millis> retry_after = std::nullopt);
  const RetryPolicy& retry_policy() const { return options_.retry; }
  // Ranged GETs at once for one big blob read from here (RegistryBlobBytes); 0: one stream per blob.
  void set_blob_ranges(unsigned ranges) { blob_ranges_ = ranges; }
  unsigned blob_ranges() const { return blob_ranges_; }
  // GET on the session: nullopt when the registry no longer knows it (it refuses the resume).
  std::optional<UploadStatus> upload_status(const std::string& repo, const std::string& upload_url);
  // PUT ?digest=: ends the session (with a last piece of data, possibly empty).
  void finish_upload(const std::string& repo, const std::string& upload_url, const Digest& digest,
                     std::string_view data = {});
  // DELETE on the session, best effort: nothing is left half-written on the registry.
  void cancel_upload(const std::string& repo, const std::string& upload_url) noexcept;
  // A small blob (a config, a small layer) without a PATCH: a monolithic POST where the registry takes
  // one, else POST then one PUT with the whole blob.
  void put_blob(const std::string& repo, const Digest& digest, std::string_view data);
  std::string get_blob(const std::string& repo, const Digest& digest, size_t max_size);
  // GET the blob from `offset` on (`Range: bytes=offset-` when offset > 0), handing its bytes to `on_data`
  // as they arrive, always from `offset` (a 206 must say so in Content-Range; a 200 that ignored the Range
  // has its first bytes dropped); redirects are followed, Authorization never leaving the registry's host.
  // A broken body is not retried here: the caller knows how far it got. Throws Error for 404 (naming the
  // blob and repository) and other refusals.
  // With `length`, only [offset, offset+length) is asked for (Range: bytes=A-B); a 200 then throws
  // RangeNotServed before any byte is handed over.
  void read_blob(const std::string& repo, const Digest& digest, uint64_t offset,
                 const std::function<void(std::string_view)>& on_data, std::optional<uint64_t> length = std::nullopt);

  // PUT /manifests/<reference>; returns the digest the registry reports (Docker-Content-Digest).
  std::optional<std::string> put_manifest(const std::string& repo, const std::string& reference,
                                          std::string_view media_type, std::string_view body);
  // GET /manifests/<reference>; nullopt on 404. Accepts image manifests, indexes and lists.
  std::optional<FetchedManifest> get_manifest(const std::string& repo, const std::string& reference);
  // HEAD /manifests/<reference>: the digest the registry reports (Docker-Content-Digest), with the media
  // type and size; nullopt on 404 or when it reports no digest. No GET: registries' rate limits count GETs.
  std::optional<ManifestHead> head_manifest(const std::string& repo, const std::string& reference);
  // GET /v2/<repo>/referrers/<digest> (OCI 1.1): the index of what refers to the manifest; nullopt where
  // the registry has no referrers API (404, 405, 400), as distribution 2.8. Further pages (`Link:
  // <URL>; rel="next"`, on the registry's own host) are followed and their manifests appended to the
  // first page's index; one page is kept as served, byte for byte.
  std::optional<FetchedManifest> get_referrers(const std::string& repo, const Digest& digest);

 private:
  // Retries transient failures on the current RetryScope's account (else its own) unless `retry` is
  // false (PATCH: a broken body is resumed by ChunkedUpload, never blindly re-sent).
  HttpResponse send(HttpRequest request, const std::string& repo, const std::vector<std::string>& extra_scopes = {},
                    bool retry = true);
  HttpResponse send_with_retries(HttpRequest request, const std::string& repo,
                                 const std::vector<std::string>& extra_scopes, bool retry);
  void await_ping() const;  // rethrows the started ping's failure
  HttpResponse send_following_redirects(HttpRequest request);
  HttpResponse first_contact();  // one GET /v2/, falling back to plain HTTP on loopback
  // After a 408/429/5xx to `what`: waits (Retry-After honoured) and returns true, or false when the
  // account is spent.
  bool wait_after_status(RetryBudget& budget, const std::string& what, const HttpResponse& response);
  std::vector<std::string> scopes(const std::string& repo) const;
  [[noreturn]] void fail(const std::string& what, const HttpResponse& response) const;

  HttpClient& http_;
  std::string host_;
  RegistryOptions options_;
  std::string base_url_;
  RegistryAuth auth_;
  unsigned blob_ranges_ = 0;
  std::shared_future<void> ping_;  // valid after start_ping()
};

}  // namespace ocipush
