// A registry login as every end sees it: user and password, an OAuth2 refresh token, or a Bearer token.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace ocipush {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // docker's "identitytoken" (an OAuth2 refresh token), when present
  std::string registry_token;  // docker's "registrytoken": a Bearer token sent as it is
  // Credentials that expire (ECR tokens) can be fetched anew: called at most a few times per push,
  // after the registry refused the current ones with 401/403. Null for fixed credentials.
  std::shared_ptr<std::function<Credentials()>> refresh;
  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
  }
};

}  // namespace ocipush
