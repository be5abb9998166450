#include "oci_push/auth/credential_store.h"

#include "oci_push/auth/docker_credential_helper.h"
#include "oci_push/util/error.h"

namespace ocipush {

namespace {
constexpr size_t kMaxConfigSize = 4 << 20;

std::optional<std::string> read_config(const Environment& env, const std::string& path) {
  try {
    return env.read_file(path, kMaxConfigSize);
  } catch (const Error& e) {
    throw Error(path + ": cannot read (" + e.what() + "); not a usable credentials file");
  }
}

std::optional<Credentials> from_auth_file(const Environment& env, const std::string& path,
                                          const std::string& registry) {
  const auto text = read_config(env, path);
  if (!text) return std::nullopt;
  return lookup_docker_config(*text, registry, path);
}
}  // namespace

std::string docker_config_path(const Environment& env) {
  if (auto dir = env.get("DOCKER_CONFIG")) return *dir + "/config.json";
  const std::string home = home_directory(env);
  return home.empty() ? std::string() : home + "/.docker/config.json";
}

std::optional<Credentials> find_stored_credentials(const std::string& registry, Environment& env) {
  if (auto file = env.get("REGISTRY_AUTH_FILE"))
    if (auto c = from_auth_file(env, *file, registry)) return c;
  if (const std::string path = docker_config_path(env); !path.empty()) {
    if (const auto text = read_config(env, path)) {
      const std::string helper = credential_helper_for(*text, registry, path);
      if (!helper.empty())
        if (auto c = helper_get(env, helper, registry)) return c;
      if (auto c = lookup_docker_config(*text, registry, path)) return c;
    }
  }
  if (auto runtime = env.get("XDG_RUNTIME_DIR"))
    if (auto c = from_auth_file(env, *runtime + "/containers/auth.json", registry)) return c;
  if (const std::string home = home_directory(env); !home.empty())
    if (auto c = from_auth_file(env, home + "/.config/containers/auth.json", registry)) return c;
  return std::nullopt;
}

std::optional<Credentials> find_stored_credentials(const std::string& registry) {
  return find_stored_credentials(registry, system_environment());
}

std::string store_login(const std::string& registry, const std::string& username, const std::string& password,
                        Environment& env) {
  const std::string path = docker_config_path(env);
  if (path.empty()) throw Error("cannot tell where config.json goes: neither DOCKER_CONFIG nor HOME is set");
  const std::string text = read_config(env, path).value_or("");
  if (!text.empty()) {
    const std::string helper = credential_helper_for(text, registry, path);
    if (!helper.empty()) {
      helper_store(env, helper, registry, username, password);
      return "docker-credential-" + helper;
    }
  }
  env.write_private_file(path, docker_config_with_login(text, registry, username, password, path));
  return path;
}

}  // namespace ocipush
