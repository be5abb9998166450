#include "oci_push/auth/docker_credential_helper.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessage = 200;

bool valid_helper_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::string program(const std::string& helper) {
  if (!valid_helper_name(helper))
    throw Error(fmt::format("credential helper name {} is not a plain name", in_quotes(helper)));
  return "docker-credential-" + helper;
}

// The first line of what a helper printed, for an error message.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n')).substr(0, kMaxMessage);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

std::string helper_server_url(std::string_view registry) {
  if (registry == "docker.io" || registry == "index.docker.io" || registry == "registry-1.docker.io")
    return "https://index.docker.io/v1/";
  return std::string(registry);
}

Credentials parse_helper_answer(std::string_view json_text, const std::string& helper) {
  const auto j = parse_json_bounded(json_text);
  if (!j.is_object() || !j.contains("Secret") || !j["Secret"].is_string())
    throw Error(
        fmt::format("{} get answered with something other than {{\"Username\",\"Secret\"}} JSON", program(helper)));
  Credentials c;
  const std::string user = j.contains("Username") && j["Username"].is_string() ? j["Username"].get<std::string>() : "";
  if (user == "<token>") {
    c.identity_token = j["Secret"].get<std::string>();
  } else {
    c.username = user;
    c.password = j["Secret"].get<std::string>();
  }
  return c;
}

std::optional<Credentials> helper_get(Environment& env, const std::string& helper, std::string_view registry) {
  const std::string prog = program(helper);
  const ProcessResult r = env.run({prog, "get"}, helper_server_url(registry));
  if (r.exit_status == 127 && r.out.empty())
    throw Error(fmt::format("credential helper {} (for {}) cannot be run: is it on PATH?", prog, registry));
  if (r.exit_status != 0) {
    const std::string message = first_line(r.out.empty() ? r.err : r.out);
    if (message.find("credentials not found") != std::string::npos) return std::nullopt;
    throw Error(fmt::format("{} get failed for {} (exit status {}): {}", prog, registry, r.exit_status, message));
  }
  Credentials c = parse_helper_answer(r.out, helper);
  if (c.empty()) return std::nullopt;
  return c;
}

void helper_store(Environment& env, const std::string& helper, std::string_view registry, const std::string& username,
                  const std::string& secret) {
  const std::string prog = program(helper);
  const json payload = {{"ServerURL", helper_server_url(registry)}, {"Username", username}, {"Secret", secret}};
  const ProcessResult r = env.run({prog, "store"}, payload.dump());
  if (r.exit_status != 0)
    throw Error(fmt::format("{} store failed for {} (exit status {}): {}", prog, registry, r.exit_status,
                            first_line(r.out.empty() ? r.err : r.out)));
}

}  // namespace ocipush
