// AWS Signature Version 4: canonical request, string to sign, signature. Pure: no clock, no I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci_push/http/http_client.h"

namespace ocipush {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;          // temporary credentials only
  std::optional<int64_t> expires_at;  // epoch seconds, when the source said
  std::string source;                 // where they came from ("environment", "profile dev", ...), for messages
};

struct SigV4Request {
  std::string method;
  std::string path;                 // not percent-encoded ("/", "/example space/")
  std::string query;                // as sent, may be percent-encoded ("a=b&c=%E1%88%B4")
  std::vector<HttpHeader> headers;  // must include Host
  std::string_view body;
};

struct SigV4Context {
  std::string region;
  std::string service;
  std::string amz_date;             // "20150830T123600Z" (UTC)
  bool normalize_path = true;       // every service but S3
  bool sign_body = false;           // add x-amz-content-sha256
  bool omit_session_token = false;  // add X-Amz-Security-Token after signing (not signed)
  int64_t expires_seconds = 3600;   // pre-signed URLs only
};

// "20150830T123600Z" for epoch seconds.
std::string amz_date(int64_t epoch_seconds);
std::string hex_sha256(std::string_view data);

// Signing with the Authorization header.
std::string sigv4_canonical_request(const SigV4Request& request, const SigV4Context& context,
                                    const AwsCredentials& credentials);
std::string sigv4_string_to_sign(std::string_view canonical_request, const SigV4Context& context);
std::string sigv4_signature(std::string_view string_to_sign, const SigV4Context& context,
                            const AwsCredentials& credentials);
// The headers to add to the request: X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256, Authorization.
std::vector<HttpHeader> sigv4_sign(const SigV4Request& request, const SigV4Context& context,
                                   const AwsCredentials& credentials);

// Pre-signed URLs (the signature in the query string).
std::string sigv4_presign_canonical_request(const SigV4Request& request, const SigV4Context& context,
                                            const AwsCredentials& credentials);
// The full query string of the pre-signed request, X-Amz-Signature included.
std::string sigv4_presign_query(const SigV4Request& request, const SigV4Context& context,
                                const AwsCredentials& credentials);

}  // namespace ocipush
