#include "oci_push/registry/registry_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "oci_push/model/manifest.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/refusal_hints.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

constexpr int kMaxRedirects = 5;

const char* const kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json";

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string origin_host(std::string_view url) {
  auto origin = url_origin(url);
  auto sep = origin.find("://");
  return sep == std::string::npos ? std::string() : origin.substr(sep + 3);
}

std::string url_path(std::string_view url) {
  auto sep = url.find("://");
  auto start = sep == std::string_view::npos ? 0 : url.find('/', sep + 3);
  if (start == std::string_view::npos) return "/";
  return std::string(url.substr(start, url.find('?', start) - start));
}

// Where a blob GET's body starts: `asked` for a 206 whose Content-Range says so, 0 for a 200 (the
// whole blob: the registry ignored the Range).
uint64_t body_start(const HttpResponse& head, uint64_t asked, const std::string& what) {
  if (head.status != 206) return 0;
  auto range = head.header("content-range").value_or("");
  unsigned long long first = 0;
  if (std::sscanf(range.c_str(), "bytes %llu-", &first) != 1 || first != asked)
    throw Error(what + ": asked for bytes from " + std::to_string(asked) + ", the answer's Content-Range is " +
                in_quotes(range));
  return asked;
}

}  // namespace

std::string url_origin(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  auto end = url.find_first_of("/?#", sep + 3);
  return std::string(url.substr(0, end));
}

std::string resolve_location(std::string_view base_url, std::string_view location) {
  if (location.starts_with("http://") || location.starts_with("https://")) return std::string(location);
  if (location.starts_with("//")) {
    auto sep = base_url.find("://");
    return std::string(base_url.substr(0, sep + 1)) + std::string(location);
  }
  std::string origin = url_origin(base_url);
  if (location.starts_with("/")) return origin + std::string(location);
  return origin + "/" + std::string(location);
}

std::string describe_registry_error(long status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status);
  auto j = parse_json_bounded(body);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      out += ": ";
      if (e.contains("code") && e["code"].is_string()) out += e["code"].get<std::string>();
      if (e.contains("message") && e["message"].is_string()) out += " " + e["message"].get<std::string>();
      if (e.contains("detail") && e["detail"].is_string()) out += " (" + e["detail"].get<std::string>() + ")";
    }
    return out;
  }
  // A short plain-text body may say more than the status; a long or binary one would flood the line.
  std::string text;
  for (char c : body.substr(0, 200)) text += (c == '\n' || c == '\r') ? ' ' : c;
  bool printable =
      !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
  if (printable) out += ": " + text;
  return out;
}

RegistryClient::RegistryClient(HttpClient& http, std::string registry_host, RegistryOptions options)
    : http_(http),
      host_(std::move(registry_host)),
      options_(std::move(options)),
      auth_(http_, host_, options_.credentials) {
  base_url_ = (options_.plain_http ? "http://" : "https://") + host_;
}

HttpResponse RegistryClient::first_contact() {
  try {
    return http_.send({"GET", base_url_ + "/v2/", {}, {}, 64 << 10});
  } catch (const NetworkError& e) {
    // Docker treats loopback registries as insecure ones: try plain HTTP when TLS cannot be spoken.
    if (options_.plain_http || !is_loopback_registry(host_) || e.kind() == NetworkError::Kind::Connect) throw;
    // A TLS server whose certificate is refused answers plain HTTP with 400: then the TLS error is the news.
    HttpResponse response;
    try {
      response = http_.send({"GET", "http://" + host_ + "/v2/", {}, {}, 64 << 10});
    } catch (const NetworkError&) {
      response.status = 0;
    }
    // A 5xx or 429 from plain HTTP is a registry that speaks it, busy for now: ping() retries it there.
    if (response.status != 200 && response.status != 401 && !is_retryable_status(response.status))
      throw NetworkError(e.kind(),
                         std::string(e.what()) + (e.kind() == NetworkError::Kind::Tls
                                                      ? " (the certificate must name " + host_ +
                                                            " and come from a trusted CA: --ca-file or SSL_CERT_FILE)"
                                                      : ""));
    base_url_ = "http://" + host_;
    return response;
  }
}

void RegistryClient::ping() {
  RetryBudget own(options_.retry);
  RetryBudget& budget = RetryScope::current_or(own);
  HttpResponse response;
  for (;;) {
    try {
      response = first_contact();
    } catch (const NetworkError& e) {
      // A reset or an empty answer is worth another try. A refused connection, a timeout or TLS trouble
      // on first contact is a wrong address or setup, which retrying would only report later.
      if (e.kind() != NetworkError::Kind::Other) throw;
      if (wait_to_retry(budget, "GET /v2/: " + std::string(e.what()))) continue;
      throw NetworkError(e.kind(), std::string(e.what()) + "; " + budget.gave_up());
    }
    if (!is_retryable_status(response.status) || !wait_after_status(budget, "GET /v2/", response))
      break;  // fail() below names the status
  }
  if (response.status == 401) {
    if (!auth_.learn_challenge(response))
      throw Error("registry " + host_ + " answered 401 to GET /v2/ without a usable WWW-Authenticate challenge");
    return;
  }
  if (response.status != 200) fail("GET /v2/ (is this a registry?)", response);
}

void RegistryClient::start_ping() {
  ping_ = std::async(std::launch::async, [this] { ping(); }).share();
}

void RegistryClient::await_ping() const {
  if (ping_.valid()) ping_.get();
}

std::vector<std::string> RegistryClient::scopes(const std::string& repo) const {
  if (repo.empty()) return {};
  return {"repository:" + repo + ":" + options_.actions};
}

void RegistryClient::check_login() {
  auto response = send({"GET", base_url_ + "/v2/", {}, {}, 64 << 10}, "");
  if (response.status != 200) fail("the credentials (GET /v2/)", response);
}

HttpResponse RegistryClient::send_following_redirects(HttpRequest request) {
  for (int hop = 0;; ++hop) {
    auto response = http_.send(request);
    if (!is_redirect(response.status) || request.body_reader) return response;  // a streamed body cannot follow
    auto location = response.header("location");
    if (!location || hop >= kMaxRedirects) return response;
    std::string next = resolve_location(request.url, *location);
    if (!next.starts_with("https://") && !next.starts_with("http://"))
      throw Error("registry " + host_ + " redirected to a non-HTTP URL; refusing to follow");
    if (origin_host(next) != origin_host(request.url)) {
      std::erase_if(request.headers,
                    [](const HttpHeader& h) { return h.name == "Authorization" || h.name == "authorization"; });
    }
    if (response.status == 303) {
      request.method = request.method == "HEAD" ? "HEAD" : "GET";
      request.body = {};
    }
    request.url = next;
  }
}

bool RegistryClient::wait_to_retry(RetryBudget& budget, const std::string& what, std::optional<Millis> retry_after) {
  return announce_and_wait_for_retry(budget, what, options_.on_retry, retry_after);
}

bool RegistryClient::wait_after_status(RetryBudget& budget, const std::string& what, const HttpResponse& response) {
  auto retry_after = response.header("retry-after");
  return wait_to_retry(budget, what + ": HTTP " + std::to_string(response.status),
                       retry_after ? parse_retry_after(*retry_after) : std::nullopt);
}

HttpResponse RegistryClient::send(HttpRequest request, const std::string& repo,
                                  const std::vector<std::string>& extra_scopes, bool retry) {
  // A plain read may travel beside the ping; its answer waits for it. A write or a streamed body waits
  // before it is sent.
  const bool plain_read =
      (request.method == "GET" || request.method == "HEAD") && !request.body_writer && !request.body_reader;
  if (!plain_read) await_ping();
  try {
    auto response = send_with_retries(std::move(request), repo, extra_scopes, retry);
    await_ping();
    return response;
  } catch (...) {
    await_ping();  // the ping's failure names the registry's trouble first
    throw;
  }
}

HttpResponse RegistryClient::send_with_retries(HttpRequest request, const std::string& repo,
                                               const std::vector<std::string>& extra_scopes, bool retry) {
  const auto headers = request.headers;
  auto wanted = scopes(repo);
  wanted.insert(wanted.end(), extra_scopes.begin(), extra_scopes.end());
  RetryBudget own(options_.retry);
  RetryBudget& budget = RetryScope::current_or(own);
  const std::string what = request.method + " " + url_path(request.url);
  bool retried_auth = false;
  for (;;) {
    request.headers = headers;
    const uint64_t generation = auth_.authorize(request, wanted, base_url_);
    HttpResponse response;
    try {
      response = send_following_redirects(request);
    } catch (const NetworkError& e) {
      if (!retry || !is_transient(e)) throw;
      if (wait_to_retry(budget, what + ": " + e.what())) continue;
      throw NetworkError(e.kind(), std::string(e.what()) + "; " + budget.gave_up());
    }
    // 401/403: a new challenge, an expired token or credentials (ECR's last 12 hours): retry once.
    // Basic credentials that worked a moment ago are sent once more too (a 401 from a node of the
    // registry whose password database lags behind).
    if ((response.status == 401 || response.status == 403) && !retried_auth &&
        (auth_.refused(response, wanted, generation) || (response.status == 401 && auth_.has_credentials()))) {
      // A streamed body is gone once sent: the blob is resumed from its source with the new token.
      if (request.body_reader)
        throw TransientError("registry " + host_ + " refused " + what + " (HTTP " + std::to_string(response.status) +
                             "); its credentials were renewed");
      retried_auth = true;
      continue;
    }
    if (retry && is_retryable_status(response.status)) {
      if (wait_after_status(budget, what, response)) continue;
      throw TransientError("registry " + host_ + " answered " + what + " with " +
                           describe_registry_error(response.status, response.body) + "; " + budget.gave_up());
    }
    return response;
  }
}

void RegistryClient::fail(const std::string& what, const HttpResponse& response) const {
  std::string hint;
  if (response.status == 401)
    hint = auth_.has_credentials()
               ? " (credentials rejected)"
               : " (no credentials: use --username/--password-stdin, oci-push login or a docker config.json)";
  if (auto ecr = ecr_refusal_hint(response.status, response.body); !ecr.empty()) hint += " (" + ecr + ")";
  if (is_retryable_status(response.status))
    throw TransientError("registry " + host_ + " refused " + what + ": " +
                         describe_registry_error(response.status, response.body) + hint);
  throw Error("registry " + host_ + " refused " + what + ": " +
              describe_registry_error(response.status, response.body) + hint);
}

std::optional<uint64_t> RegistryClient::blob_size(const std::string& repo, const Digest& digest) {
  auto response = send({"HEAD", base_url_ + "/v2/" + repo + "/blobs/" + digest.str(), {}, {}, 0}, repo);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) fail("HEAD blob " + digest.str() + " in " + repo, response);
  auto length = response.header("content-length");
  try {
    return length ? std::stoull(*length) : 0;
  } catch (const std::exception&) {
    throw Error("registry " + host_ + " answered HEAD blob " + digest.str() + " with a bad Content-Length");
  }
}

std::string RegistryClient::get_blob(const std::string& repo, const Digest& digest, size_t max_size) {
  auto response = send({"GET", base_url_ + "/v2/" + repo + "/blobs/" + digest.str(), {}, {}, max_size}, repo);
  if (response.status != 200) fail("GET blob " + digest.str() + " from " + repo, response);
  if (sha256_of(response.body) != digest)
    throw Error("registry " + host_ + " served blob " + digest.str() + " with other content");
  return response.body;
}

void RegistryClient::read_blob(const std::string& repo, const Digest& digest, uint64_t offset,
                               const std::function<void(std::string_view)>& on_data, std::optional<uint64_t> length) {
  HttpRequest request{"GET", base_url_ + "/v2/" + repo + "/blobs/" + digest.str(), {}, {}, 64 << 10};
  if (length)
    request.headers.push_back(
        {"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + *length - 1)});
  else if (offset > 0) request.headers.push_back({"Range", "bytes=" + std::to_string(offset) + "-"});
  const std::string what = "GET blob " + digest.str() + " from " + repo;
  std::optional<uint64_t> position;  // of the next byte the answer carries
  request.body_writer = [&](const HttpResponse& head, std::string_view data) {
    if (length && head.status == 200) throw RangeNotServed("registry " + host_ + " ignores Range on " + what);
    if (!position) position = body_start(head, offset, what);
    if (*position < offset) {  // a 200 that ignored the Range: its first bytes are held already
      size_t drop = static_cast<size_t>(std::min<uint64_t>(offset - *position, data.size()));
      *position += drop;
      data.remove_prefix(drop);
    }
    *position += data.size();
    if (!data.empty()) on_data(data);
  };
  auto response = send(std::move(request), repo, {}, false);
  if (response.status == 404) throw Error("registry " + host_ + " has no blob " + digest.str() + " in " + repo);
  if (response.status != 200 && response.status != 206) fail(what, response);
}

std::optional<std::string> RegistryClient::put_manifest(const std::string& repo, const std::string& reference,
                                                        std::string_view media_type, std::string_view body) {
  HttpRequest request{"PUT",
                      base_url_ + "/v2/" + repo + "/manifests/" + reference,
                      {{"Content-Type", std::string(media_type)}},
                      body,
                      64 << 10};
  auto response = send(request, repo);
  if (response.status == 400 && response.body.find("MANIFEST_BLOB_UNKNOWN") != std::string::npos)
    throw ManifestBlobUnknown("registry " + host_ + " refused manifest " + repo + ":" + reference + ": " +
                              describe_registry_error(response.status, response.body));
  if (response.status != 201 && response.status != 200 && response.status != 202 && response.status != 204)
    fail("manifest " + repo + ":" + reference, response);
  return response.header("docker-content-digest");
}

std::optional<ManifestHead> RegistryClient::head_manifest(const std::string& repo, const std::string& reference) {
  auto response =
      send({"HEAD", base_url_ + "/v2/" + repo + "/manifests/" + reference, {{"Accept", kManifestAccept}}, {}, 0}, repo);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) fail("HEAD manifest " + repo + ":" + reference, response);
  auto said = response.header("docker-content-digest");
  auto digest = said ? Digest::parse(*said) : std::nullopt;
  if (!digest) return std::nullopt;
  ManifestHead head{*digest, response.header("content-type").value_or(""), 0};
  if (auto length = response.header("content-length")) head.size = std::strtoull(length->c_str(), nullptr, 10);
  return head;
}

std::optional<FetchedManifest> RegistryClient::get_manifest(const std::string& repo, const std::string& reference) {
  auto response = send({"GET",
                        base_url_ + "/v2/" + repo + "/manifests/" + reference,
                        {{"Accept", kManifestAccept}},
                        {},
                        kMaxManifestSize},
                       repo);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) fail("GET manifest " + repo + ":" + reference, response);
  FetchedManifest m;
  m.body = std::move(response.body);
  m.digest = sha256_of(m.body);
  // The registry's own word on the digest must agree with the bytes (a missing one is normal).
  if (auto said = response.header("docker-content-digest");
      said && said->starts_with("sha256:") && *said != m.digest.str())
    throw Error("registry " + host_ + " served manifest " + repo + ":" + reference + " whose Docker-Content-Digest " +
                *said + " is not the digest of its bytes (" + m.digest.str() + ")");
  m.media_type = response.header("content-type").value_or("");
  if (auto sep = m.media_type.find(';'); sep != std::string::npos) m.media_type.resize(sep);
  return m;
}

}  // namespace ocipush
