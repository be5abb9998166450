#include "oci_push/auth/aws/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>

#include "oci_push/model/digest.h"
#include "oci_push/util/ascii.h"
#include "oci_push/util/percent_encode.h"
#include "oci_push/util/utc_time.h"

namespace ocipush {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Trimmed, with every run of whitespace (folded lines included) turned into one space.
std::string canonical_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// RFC 3986 dot-segment removal, with empty segments dropped, as AWS normalises paths.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    trailing = seg.empty() || seg == "." || seg == "..";
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (auto seg : segments) out += "/" + std::string(seg);
  if (out.empty() || trailing) out += "/";
  return out;
}

std::string canonical_uri(const SigV4Request& request, const SigV4Context& context) {
  std::string path = request.path.empty() ? "/" : request.path;
  if (context.normalize_path) path = normalize_path(path);
  return percent_encode(path, true);
}

using Params = std::vector<std::pair<std::string, std::string>>;  // encoded

Params query_params(std::string_view query) {
  Params out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key(part.substr(0, eq));
      std::string value(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
      out.emplace_back(percent_encode(percent_decode(key), false), percent_encode(percent_decode(value), false));
    }
    start = end + 1;
  }
  return out;
}

std::string join_params(Params params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders canonical_headers(const std::vector<HttpHeader>& headers) {
  std::map<std::string, std::string> merged;  // sorted by lowercase name
  for (const auto& h : headers) {
    auto& value = merged[ascii_lower(h.name)];
    value += (value.empty() ? "" : ",") + canonical_value(h.value);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.block += name + ":" + value + "\n";
    out.signed_names += (out.signed_names.empty() ? "" : ";") + name;
  }
  return out;
}

std::string scope(const SigV4Context& context) {
  return fmt::format("{}/{}/{}/aws4_request", context.amz_date.substr(0, 8), context.region, context.service);
}

std::vector<HttpHeader> headers_to_sign(const SigV4Request& request, const SigV4Context& context,
                                        const AwsCredentials& credentials) {
  auto headers = request.headers;
  headers.push_back({"X-Amz-Date", context.amz_date});
  if (!credentials.session_token.empty() && !context.omit_session_token)
    headers.push_back({"X-Amz-Security-Token", credentials.session_token});
  if (context.sign_body) headers.push_back({"X-Amz-Content-Sha256", hex_sha256(request.body)});
  return headers;
}

std::string assemble(const SigV4Request& request, const SigV4Context& context, const std::string& query,
                     const CanonicalHeaders& headers) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_uri(request, context), query, headers.block,
                     headers.signed_names, hex_sha256(request.body));
}

Params presign_params(const SigV4Request& request, const SigV4Context& context, const AwsCredentials& credentials) {
  Params params = query_params(request.query);
  auto add = [&](std::string_view key, std::string_view value) {
    params.emplace_back(std::string(key), percent_encode(value, false));
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", credentials.access_key_id + "/" + scope(context));
  add("X-Amz-Date", context.amz_date);
  add("X-Amz-Expires", std::to_string(context.expires_seconds));
  if (!credentials.session_token.empty() && !context.omit_session_token)
    add("X-Amz-Security-Token", credentials.session_token);
  add("X-Amz-SignedHeaders", canonical_headers(request.headers).signed_names);
  return params;
}

}  // namespace

std::string amz_date(int64_t epoch_seconds) { return utc_text(epoch_seconds, "%Y%m%dT%H%M%SZ"); }

std::string hex_sha256(std::string_view data) { return sha256_of(data).hex; }

std::string sigv4_canonical_request(const SigV4Request& request, const SigV4Context& context,
                                    const AwsCredentials& credentials) {
  return assemble(request, context, join_params(query_params(request.query)),
                  canonical_headers(headers_to_sign(request, context, credentials)));
}

std::string sigv4_string_to_sign(std::string_view canonical_request, const SigV4Context& context) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, context.amz_date, scope(context), hex_sha256(canonical_request));
}

std::string sigv4_signature(std::string_view string_to_sign, const SigV4Context& context,
                            const AwsCredentials& credentials) {
  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, context.amz_date.substr(0, 8));
  key = hmac_sha256(key, context.region);
  key = hmac_sha256(key, context.service);
  key = hmac_sha256(key, "aws4_request");
  return to_hex(hmac_sha256(key, string_to_sign));
}

std::vector<HttpHeader> sigv4_sign(const SigV4Request& request, const SigV4Context& context,
                                   const AwsCredentials& credentials) {
  const auto headers = canonical_headers(headers_to_sign(request, context, credentials));
  const std::string canonical = assemble(request, context, join_params(query_params(request.query)), headers);
  const std::string signature = sigv4_signature(sigv4_string_to_sign(canonical, context), context, credentials);
  std::vector<HttpHeader> out{{"X-Amz-Date", context.amz_date}};
  if (!credentials.session_token.empty()) out.push_back({"X-Amz-Security-Token", credentials.session_token});
  if (context.sign_body) out.push_back({"X-Amz-Content-Sha256", hex_sha256(request.body)});
  out.push_back(
      {"Authorization", fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                                    credentials.access_key_id, scope(context), headers.signed_names, signature)});
  return out;
}

std::string sigv4_presign_canonical_request(const SigV4Request& request, const SigV4Context& context,
                                            const AwsCredentials& credentials) {
  return assemble(request, context, join_params(presign_params(request, context, credentials)),
                  canonical_headers(request.headers));
}

std::string sigv4_presign_query(const SigV4Request& request, const SigV4Context& context,
                                const AwsCredentials& credentials) {
  const std::string canonical = sigv4_presign_canonical_request(request, context, credentials);
  const std::string signature = sigv4_signature(sigv4_string_to_sign(canonical, context), context, credentials);
  return join_params(presign_params(request, context, credentials)) + "&X-Amz-Signature=" + signature;
}

}  // namespace ocipush
