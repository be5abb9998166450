// WWW-Authenticate: one or more challenges, each a scheme and its parameters (RFC 7235).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ocipush {

struct AuthChallenge {
  std::string scheme;                         // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // lowercase keys: realm, service, scope, error
};

// Tolerates several challenges in one header (`Basic realm="x", Bearer realm="y",service="z"`),
// quoted strings with escapes, and commas inside quotes. Unparseable parts are skipped, never thrown.
std::vector<AuthChallenge> parse_www_authenticate(std::string_view header);

}  // namespace ocipush
