// The one seam between the registry protocol and the network: a request in, a response out.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<HttpHeader> headers;
  std::string_view body;               // not owned; must outlive send()
  size_t max_response_body = 1 << 20;  // a longer body is an error, never an allocation
  // A limit on the whole request, connection included (NetworkError Timeout past it); zero: only the
  // client's connect and stall limits. For probes that must not hold a run up (EC2 metadata).
  std::chrono::milliseconds deadline{0};
  // A body produced while it is sent, instead of `body`: fills up to `len` bytes of `buf` and returns
  // how many, 0 at its end; it may block until its producer has more. Its length is not known up front,
  // so it goes with Transfer-Encoding: chunked. A reader that throws aborts the request; send() then
  // throws what it threw.
  // ({} here and on body_writer: the many `{method, url, headers, body, limit}` initialisers stop early.)
  std::function<size_t(char* buf, size_t len)> body_reader{};
  // A 2xx answer's body handed over as it arrives instead of kept in `body` (a blob GET: nothing grows
  // with the blob), with the answer's status and headers (`head`, no body); other answers are kept as
  // usual. A writer that throws aborts the request; send() then throws what it threw.
  std::function<void(const struct HttpResponse& head, std::string_view data)> body_writer{};
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // names lowercased, in arrival order
  std::string body;

  std::optional<std::string> header(std::string_view name) const;  // first one, name in any case
  std::vector<std::string> all_headers(std::string_view name) const;
};

// No HTTP answer at all: refused connection, DNS, TLS, timeout, a body over its limit.
class NetworkError : public Error {
 public:
  enum class Kind { Connect, Tls, Timeout, TooLarge, Other };
  NetworkError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Safe to call from several threads at once. Never follows redirects: the caller decides.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct TlsOptions {
  std::string ca_file;    // extra trust; empty: the system store (or SSL_CERT_FILE)
  bool insecure = false;  // skip verification (only when the user asked)
};

// One line per request and response for -v; secrets are redacted before it is called.
using HttpLogger = std::function<void(const std::string& line)>;

// Authorization values, and query parameters that carry signatures or tokens, replaced by "REDACTED".
std::string redact_header_for_log(const HttpHeader& header);
std::string redact_url_for_log(std::string_view url);

}  // namespace ocipush
