#include "oci_push/credential_store.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "oci_push/error.h"

namespace ocipush {

namespace {
constexpr std::streamsize kMaxConfigSize = 4 << 20;

std::string docker_config_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) return std::string(dir) + "/config.json";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.docker/config.json";
  return {};
}
}  // namespace

std::optional<Credentials> find_stored_credentials(const std::string& registry) {
  std::string path = docker_config_path();
  if (path.empty()) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(static_cast<size_t>(kMaxConfigSize) + 1, '\0');
  in.read(text.data(), kMaxConfigSize + 1);
  if (in.gcount() > kMaxConfigSize) throw Error(path + ": larger than 4 MiB; not a docker config.json");
  text.resize(static_cast<size_t>(in.gcount()));
  return lookup_docker_config(text, registry, path);
}

}  // namespace ocipush
