// Authorization for one registry: Basic, Bearer tokens by scope (password, refresh token or anonymous),
// docker's registry tokens, and credentials that refresh themselves (ECR) after a 401/403.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/http/http_client.h"
#include "oci_push/model/credentials.h"
#include "oci_push/registry/auth_challenge.h"

namespace ocipush {

// Extra scopes a challenge asks for beyond the repository's own: ECR Public's literal "aws". Repository
// scopes in a challenge are left out: they are the ones we compute. Pure.
std::vector<std::string> challenge_extra_scopes(const AuthChallenge& challenge);
// The token server URL: realm + service + one scope parameter per scope. Pure.
std::string token_request_url(const AuthChallenge& challenge, const std::vector<std::string>& scopes);
// The OAuth2 form body: grant_type=refresh_token with service, scope (space-separated) and client_id. Pure.
std::string refresh_token_form(const AuthChallenge& challenge, const std::vector<std::string>& scopes,
                               const std::string& refresh_token);

struct BearerToken {
  std::string token;
  std::string refresh_token;  // "" when the server gave none
  std::chrono::seconds lifetime{60};
};
// A token server's answer ("token" or "access_token", "expires_in", "refresh_token"). Pure.
BearerToken parse_token_answer(std::string_view body, const std::string& server);

class RegistryAuth {
 public:
  RegistryAuth(HttpClient& http, std::string registry_host, std::optional<Credentials> credentials);

  // Learns the challenges of a 401 (from GET /v2/ or any request); false when it has none usable.
  bool learn_challenge(const HttpResponse& unauthorized);
  bool has_challenge() const;
  bool has_credentials() const;

  // Adds Authorization to `request` when it goes to `registry_origin` itself, fetching a Bearer token
  // for `scopes` when needed. Returns the credential generation used, for refused().
  uint64_t authorize(HttpRequest& request, const std::vector<std::string>& scopes, const std::string& registry_origin);
  // After the registry answered 401/403 to a request authorized at `generation`: true when sending it
  // once more may succeed (a new challenge, a new token, fresher credentials).
  bool refused(const HttpResponse& response, const std::vector<std::string>& scopes, uint64_t generation);

 private:
  std::string bearer_token(const std::vector<std::string>& scopes);
  std::vector<std::string> token_scopes(const std::vector<std::string>& scopes) const;  // + the challenge's extras
  BearerToken fetch_token(const std::vector<std::string>& scopes);
  bool refresh_credentials(uint64_t generation);
  bool usable_credentials() const { return credentials_ && !credentials_->empty(); }

  HttpClient& http_;
  std::string host_;
  mutable std::mutex mutex_;
  std::optional<Credentials> credentials_;
  std::optional<AuthChallenge> challenge_;
  std::string refresh_token_;  // from identitytoken or a token server's answer
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, Token> tokens_;  // by the scopes, space-separated
  uint64_t generation_ = 0;
  int refreshes_ = 0;
};

}  // namespace ocipush
