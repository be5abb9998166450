#include "oci_push/model/reference.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

#include "oci_push/model/digest.h"
#include "oci_push/util/ascii.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr size_t kMaxNameLength = 255;  // docker's limit on "registry/repository"

bool is_hex(char c) { return ascii_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw UsageError(fmt::format("invalid reference {}: {}", in_quotes(text), why));
}

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool is_valid_component(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (true) {
    const size_t run_start = i;
    while (i < n && ascii_is_lower_alnum(s[i])) ++i;
    if (i == run_start) return false;
    if (i == n) return true;
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < n && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < n && s[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

// A DNS-ish label: alphanumerics, inner hyphens; docker allows uppercase in the host.
bool is_valid_host_label(std::string_view s) {
  if (s.empty() || !ascii_is_alnum(s.front()) || !ascii_is_alnum(s.back())) return false;
  for (char c : s) {
    if (!ascii_is_alnum(c) && c != '-') return false;
  }
  return true;
}

bool is_valid_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  unsigned value = 0;
  for (char c : s) {
    if (!ascii_is_digit(c)) return false;
    value = value * 10 + unsigned(c - '0');
  }
  return value >= 1 && value <= 65535;
}

bool is_valid_hostname(std::string_view host) {
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    if (!is_valid_host_label(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "host", "host:port", "[v6]" or "[v6]:port".
bool is_valid_registry(std::string_view registry) {
  std::string_view host = registry;
  std::string_view rest;
  if (registry.starts_with('[')) {
    const size_t close = registry.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : registry.substr(1, close - 1)) {
      if (!is_hex(c) && c != ':') return false;
    }
    rest = registry.substr(close + 1);
    if (rest.empty()) return true;
    return rest.front() == ':' && is_valid_port(rest.substr(1));
  }
  const size_t colon = registry.find(':');
  if (colon != std::string_view::npos) {
    host = registry.substr(0, colon);
    if (!is_valid_port(registry.substr(colon + 1))) return false;
  }
  return is_valid_hostname(host);
}

// The first component names a registry only when it cannot be a repository path component.
bool looks_like_registry(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost" ||
         component.starts_with('[');
}

bool is_64_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!ascii_is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

void check_repository(std::string_view text, std::string_view repository) {
  if (repository.empty()) fail(text, "repository name is empty");
  if (is_valid_repository(repository)) return;
  if (is_valid_repository(ascii_lower(repository))) fail(text, "repository name must be lowercase");
  fail(text, fmt::format("invalid repository name {} (components are lowercase letters and digits, "
                         "separated by '.', '_', '__' or '-')",
                         in_quotes(repository)));
}

}  // namespace

std::string Reference::name() const { return registry + "/" + repository; }

std::string Reference::str() const {
  std::string out = name();
  if (tag) out += ":" + *tag;
  if (digest) out += "@" + *digest;
  return out;
}

std::string Reference::api_host() const {
  return registry == kDockerHub ? std::string("registry-1.docker.io") : registry;
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  if (!ascii_is_alnum(tag.front()) && tag.front() != '_') return false;
  for (char c : tag) {
    if (!ascii_is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_valid_repository(std::string_view repository) {
  if (repository.empty()) return false;
  size_t start = 0;
  while (true) {
    const size_t slash = repository.find('/', start);
    if (!is_valid_component(repository.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Reference parse_reference(std::string_view text) {
  if (text.empty()) fail(text, "reference is empty");
  // docker refuses these because they are ambiguous with image IDs.
  if (is_64_hex(text)) fail(text, "a 64-character hexadecimal string is an image ID, not a name");

  Reference ref;
  std::string_view rest = text;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    const std::string_view digest = rest.substr(at + 1);
    if (!Digest::parse(digest)) {
      fail(text, fmt::format("invalid digest {} (expected sha256: and 64 lowercase hex digits)", in_quotes(digest)));
    }
    ref.digest = std::string(digest);
    rest = rest.substr(0, at);
  }

  // A colon after the last slash starts the tag; earlier colons belong to the registry's port.
  const size_t colon = rest.rfind(':');
  const size_t slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    const std::string_view tag = rest.substr(colon + 1);
    if (!is_valid_tag(tag)) {
      fail(text, fmt::format("invalid tag {} (up to 128 letters, digits, '_', '.' or '-', not starting with "
                             "'.' or '-')",
                             in_quotes(tag)));
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }

  const size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos && looks_like_registry(rest.substr(0, first_slash))) {
    const std::string_view registry = rest.substr(0, first_slash);
    if (!is_valid_registry(registry)) fail(text, fmt::format("invalid registry {}", in_quotes(registry)));
    ref.registry = std::string(registry);
    ref.repository = std::string(rest.substr(first_slash + 1));
  } else {
    ref.registry = std::string(kDockerHub);
    ref.repository = std::string(rest);
  }

  if (ref.registry == "index.docker.io") ref.registry = std::string(kDockerHub);
  check_repository(text, ref.repository);
  if (ref.registry == kDockerHub && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.name().size() > kMaxNameLength) {
    fail(text, fmt::format("name is longer than {} characters", kMaxNameLength));
  }
  return ref;
}

std::string host_without_port(std::string_view registry) {
  if (registry.starts_with('[')) {
    const size_t close = registry.find(']');
    if (close != std::string_view::npos) return std::string(registry.substr(1, close - 1));
    return std::string(registry);
  }
  // Two or more colons can only be a bare IPv6 address, which has no port.
  const size_t colon = registry.find(':');
  if (colon != std::string_view::npos && registry.find(':', colon + 1) == std::string_view::npos) {
    return std::string(registry.substr(0, colon));
  }
  return std::string(registry);
}

bool is_loopback_registry(std::string_view registry) {
  const std::string host = ascii_lower(host_without_port(registry));
  if (host == "localhost") return true;
  unsigned char addr[16];
  if (inet_pton(AF_INET, host.c_str(), addr) == 1) return addr[0] == 127;
  if (inet_pton(AF_INET6, host.c_str(), addr) == 1) {
    static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(addr, kLoopback6, 16) == 0) return true;
    return std::memcmp(addr, kMappedPrefix, 12) == 0 && addr[12] == 127;
  }
  return false;
}

}  // namespace ocipush
