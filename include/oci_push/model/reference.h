// Image references: REGISTRY[:PORT]/REPO[:TAG][@DIGEST], normalised the way docker does.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ocipush {

struct Reference {
  std::string registry;    // "host", "host:port", "[::1]:5000"; "docker.io" when none was given
  std::string repository;  // "library/ubuntu", "team/app"
  std::optional<std::string> tag;
  std::optional<std::string> digest;  // "sha256:..."

  // "registry/repository[:tag][@digest]" as the user would write it.
  std::string str() const;
  // "registry/repository" only.
  std::string name() const;
  // The host to contact: "registry-1.docker.io" for docker.io, else registry.
  std::string api_host() const;
};

// Throws UsageError naming the part that is wrong. When the first path component does not look like a
// host (no '.', no ':', not "localhost", not "[...]"), the registry is docker.io and single-component
// names get "library/".
Reference parse_reference(std::string_view text);

bool is_valid_tag(std::string_view tag);                // [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
bool is_valid_repository(std::string_view repository);  // lowercase path components per the OCI spec

// Host part without port: "localhost:5000" -> "localhost", "[::1]:5000" -> "::1".
std::string host_without_port(std::string_view registry);
// localhost, 127.0.0.0/8, ::1 (with or without a port).
bool is_loopback_registry(std::string_view registry);

}  // namespace ocipush
