#include "oci_push/http/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <functional>

#include "oci_push/http/curl_multiplexer.h"
#include "oci_push/util/ascii.h"

namespace ocipush {

namespace {

// Timeouts come from HttpTimeouts (retry.h): connect, and a stall (fewer than 1 byte/s for that long).
// No total timeout, so a healthy multi-GB upload is never cut off.

// Aborts a transfer in flight once the run is stopping.
int on_xfer(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* stop = static_cast<const std::atomic<bool>*>(user);
  return stop && stop->load() ? 1 : 0;
}

struct Transfer {
  HttpResponse* response;
  size_t max_body;
  bool too_large = false;
  const std::function<size_t(char*, size_t)>* body_reader = nullptr;
  std::exception_ptr reader_error;  // what the body reader or writer threw: send() throws it
  const std::function<void(const HttpResponse&, std::string_view)>* body_writer = nullptr;
  CURL* curl = nullptr;
};

size_t on_read(char* buf, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  try {
    return (*t->body_reader)(buf, size * count);
  } catch (...) {
    t->reader_error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->body_writer) {
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->response->status);
    if (t->response->status >= 200 && t->response->status < 300) {
      try {
        (*t->body_writer)(*t->response, std::string_view(data, n));
        return n;
      } catch (...) {
        t->reader_error = std::current_exception();
        return 0;
      }
    }
  }
  if (t->response->body.size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // makes curl abort the transfer
  }
  t->response->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (after 100 Continue)
    return line.size();
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos && t->response->headers.size() < 1000)
    t->response->headers.push_back(
        {ascii_lower(ascii_trim(line.substr(0, colon))), std::string(ascii_trim(line.substr(colon + 1)))});
  return line.size();
}

NetworkError::Kind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return NetworkError::Kind::Connect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return NetworkError::Kind::Tls;
    case CURLE_OPERATION_TIMEDOUT:
      return NetworkError::Kind::Timeout;
    default:
      return NetworkError::Kind::Other;
  }
}

// Timeouts, the stop flag, HTTP/2 where TLS allows it, and the callbacks that fill `transfer`.
void set_transfer_options(CURL* curl, const HttpRequest& request, const HttpTimeouts& timeouts,
                          const std::atomic<bool>* stop, Transfer& transfer, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  if (request.deadline.count() > 0)
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.deadline.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(timeouts.stall.count() / 1000)));
  if (stop && request.method != "DELETE") {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(stop));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
}

void set_tls_options(CURL* curl, const TlsOptions& tls) {
  if (!tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (tls.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

void set_method(CURL* curl, const HttpRequest& request, Transfer& transfer) {
  if (request.body_reader) {
    transfer.body_reader = &request.body_reader;
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    // Larger reads from the producer: fewer callbacks and chunk headers at hundreds of MB/s.
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 512L << 10);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data() ? request.body.data() : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
}

// The request's headers, less what libcurl would add of its own; the caller frees the list.
curl_slist* header_list(const HttpRequest& request) {
  curl_slist* headers = nullptr;
  bool has_content_type = false;
  for (const auto& h : request.headers) {
    if (ascii_lower(h.name) == "content-type") has_content_type = true;
    headers = curl_slist_append(headers, (h.name + ": " + h.value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  // A body of unknown length: chunked on HTTP/1.1 (libcurl leaves this out on HTTP/2, which frames it).
  if (request.body_reader) headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");  // no form-urlencoded default
  return headers;
}

void log_request(const HttpLogger& logger, const HttpRequest& request) {
  logger("> " + request.method + " " + redact_url_for_log(request.url) +
         (request.body_reader    ? " (streamed body)"
          : request.body.empty() ? ""
                                 : " (" + std::to_string(request.body.size()) + " bytes)"));
  for (const auto& h : request.headers) logger(">   " + redact_header_for_log(h));
}

// How the answer came: over HTTP/2, and on a connection opened for this request (for -v: whether
// requests share connections).
std::string connection_note(CURL* curl) {
  long version = 0;
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &version);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  std::string note = version == CURL_HTTP_VERSION_2_0 ? "HTTP/2" : "";
  if (connects > 0) note += note.empty() ? "new connection" : ", new connection";
  return note.empty() ? "" : " (" + note + ")";
}

void log_response(const HttpLogger& logger, const HttpRequest& request, const HttpResponse& response, CURL* curl) {
  logger("< " + std::to_string(response.status) + " " + request.method + " " + redact_url_for_log(request.url) +
         connection_note(curl));
  for (const auto& h : response.headers) logger("<   " + redact_header_for_log(h));
}

// What a failed curl_easy_perform throws (logged first, but for an answer over the size limit).
NetworkError transfer_error(CURLcode rc, const HttpRequest& request, const Transfer& transfer, const char* error_buffer,
                            const HttpLogger& logger) {
  if (transfer.too_large)
    return NetworkError(NetworkError::Kind::TooLarge, request.method + " " + redact_url_for_log(request.url) +
                                                          ": response body larger than " +
                                                          std::to_string(request.max_response_body) + " bytes");
  std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
  if (logger) logger("< error: " + detail);
  return NetworkError(kind_of(rc), request.method + " " + redact_url_for_log(request.url) + ": " + detail);
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  auto key = ascii_lower(name);
  for (const auto& h : headers)
    if (h.name == key) return h.value;
  return std::nullopt;
}

std::vector<std::string> HttpResponse::all_headers(std::string_view name) const {
  auto key = ascii_lower(name);
  std::vector<std::string> out;
  for (const auto& h : headers)
    if (h.name == key) out.push_back(h.value);
  return out;
}

std::string redact_header_for_log(const HttpHeader& header) {
  auto name = ascii_lower(header.name);
  if (name == "authorization" || name == "proxy-authorization" || name == "x-amz-security-token" || name == "cookie" ||
      name == "set-cookie" || name == "x-aws-ec2-metadata-token" || name == "x-amz-sso_bearer_token")
    return header.name + ": REDACTED";
  if (name == "location") return header.name + ": " + redact_url_for_log(header.value);
  return header.name + ": " + header.value;
}

// A parameter (after '?' or '&') whose name says signature, token, credential, password or secret, in any
// case, keeps its name and loses its value: S3's and CDNs' presigned URLs carry credentials there.
std::string redact_url_for_log(std::string_view url) {
  static constexpr std::string_view kSecretWords[] = {"signature", "token", "credential", "password", "secret"};
  std::string out;
  size_t copied = 0;
  for (size_t at = url.find_first_of("?&"); at != std::string_view::npos; at = url.find_first_of("?&", at + 1)) {
    const size_t equals = url.find_first_of("=&", at + 1);
    if (equals == std::string_view::npos || url[equals] != '=') continue;
    const std::string name = ascii_lower(url.substr(at + 1, equals - at - 1));
    if (std::none_of(std::begin(kSecretWords), std::end(kSecretWords),
                     [&](std::string_view w) { return name.find(w) != std::string::npos; }))
      continue;
    const size_t value_end = std::min(url.find('&', equals), url.size());
    out.append(url.substr(copied, equals + 1 - copied)).append("REDACTED");
    copied = value_end;
    if (value_end == url.size()) break;
    at = value_end - 1;  // the '&' ending the value starts the next parameter
  }
  return out.append(url.substr(copied));
}

CurlHttpClient::CurlHttpClient(TlsOptions tls, HttpLogger logger, HttpTimeouts timeouts, const std::atomic<bool>* stop)
    : tls_(std::move(tls)), logger_(std::move(logger)), timeouts_(timeouts), stop_(stop) {
  // OpenSSL honours SSL_CERT_FILE only when no bundle is set, and libcurl always sets one.
  if (tls_.ca_file.empty())
    if (const char* env = std::getenv("SSL_CERT_FILE"); env && *env) tls_.ca_file = env;
}

CurlHttpClient::~CurlHttpClient() {
  multiplexer_.reset();
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
  for (void* h : idle_multiplexed_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlHttpClient::acquire(bool multiplexed) {
  {
    std::lock_guard lock(mutex_);
    auto& idle = multiplexed ? idle_multiplexed_ : idle_;
    if (!idle.empty()) {
      void* h = idle.back();
      idle.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (!h) throw Error("cannot initialise libcurl");
  return h;
}

void CurlHttpClient::release(void* handle, bool multiplexed) {
  std::lock_guard lock(mutex_);
  (multiplexed ? idle_multiplexed_ : idle_).push_back(handle);
}

CurlMultiplexer& CurlHttpClient::multiplexer() {
  std::lock_guard lock(mutex_);
  if (!multiplexer_) multiplexer_ = std::make_unique<CurlMultiplexer>();
  return *multiplexer_;
}

HttpResponse CurlHttpClient::send(const HttpRequest& request) {
  // A streamed body's callbacks wait on their producer or consumer: those keep a connection each.
  const bool multiplexed = !request.body_reader && !request.body_writer && request.url.starts_with("https://");
  CURL* curl = static_cast<CURL*>(acquire(multiplexed));
  struct Release {
    CurlHttpClient* self;
    CURL* curl;
    bool multiplexed;
    ~Release() { self->release(curl, multiplexed); }
  } release_guard{this, curl, multiplexed};
  curl_easy_reset(curl);  // keeps the connection cache

  HttpResponse response;
  Transfer transfer{&response, request.max_response_body,
                    false,     nullptr,
                    nullptr,   request.body_writer ? &request.body_writer : nullptr,
                    curl};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  set_transfer_options(curl, request, timeouts_, stop_, transfer, error_buffer);
  set_tls_options(curl, tls_);
  set_method(curl, request, transfer);
  curl_slist* headers = header_list(request);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (logger_) log_request(logger_, request);

  CURLcode rc = multiplexed ? multiplexer().perform(curl) : curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (transfer.reader_error) std::rethrow_exception(transfer.reader_error);
  // Aborted because the run is stopping (another task failed, or a signal): the others' failure, or the
  // signal, is what the run reports, never this request's "Callback aborted".
  if (rc == CURLE_ABORTED_BY_CALLBACK && stop_ && stop_->load()) throw Interrupted();
  if (rc != CURLE_OK) throw transfer_error(rc, request, transfer, error_buffer, logger_);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  if (logger_) log_response(logger_, request, response, curl);
  return response;
}

}  // namespace ocipush
