#include "oci_push/build/config_edits.h"

#include <cctype>

#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"
#include "oci_push/util/utc_time.h"

namespace ocipush {

int64_t parse_source_date_epoch(const std::optional<std::string>& value) {
  if (!value || value->empty()) return 0;
  bool digits = value->size() <= 18;
  for (char c : *value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) throw Error("SOURCE_DATE_EPOCH=" + *value + ": not a whole number of seconds since 1970");
  return std::stoll(*value);
}

std::string rfc3339_utc(int64_t seconds) { return utc_text(seconds, "%Y-%m-%dT%H:%M:%SZ"); }

nlohmann::json scratch_config(const std::string& os, const std::string& architecture, const std::string& variant) {
  nlohmann::json config = {{"architecture", architecture},
                           {"os", os},
                           {"config", nlohmann::json::object()},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
  if (!variant.empty()) config["variant"] = variant;
  return config;
}

nlohmann::json& container_config(nlohmann::json& config) {
  if (!config.contains("config") || !config["config"].is_object()) config["config"] = nlohmann::json::object();
  return config["config"];
}

void set_env(nlohmann::json& config, const std::string& key, const std::string& value) {
  auto& c = container_config(config);
  if (!c.contains("Env") || !c["Env"].is_array()) c["Env"] = nlohmann::json::array();
  for (auto& entry : c["Env"])
    if (entry.is_string() && entry.get<std::string>().substr(0, entry.get<std::string>().find('=')) == key) {
      entry = key + "=" + value;
      return;
    }
  c["Env"].push_back(key + "=" + value);
}

std::vector<std::pair<std::string, std::string>> env_of(const nlohmann::json& config) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!config.contains("config") || !config["config"].is_object()) return out;
  const auto& c = config["config"];
  if (!c.contains("Env") || !c["Env"].is_array()) return out;
  for (const auto& entry : c["Env"]) {
    if (!entry.is_string()) continue;
    const std::string s = entry.get<std::string>();
    const auto eq = s.find('=');
    out.emplace_back(s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1));
  }
  return out;
}

void set_label(nlohmann::json& config, const std::string& key, const std::string& value) {
  auto& c = container_config(config);
  if (!c.contains("Labels") || !c["Labels"].is_object()) c["Labels"] = nlohmann::json::object();
  c["Labels"][key] = value;
}

namespace {

std::optional<unsigned> port_number(const std::string& text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  unsigned n = static_cast<unsigned>(std::stoul(text));
  if (n > 65535) return std::nullopt;
  return n;
}

}  // namespace

void expose_port(nlohmann::json& config, const std::string& spec) {
  const auto slash = spec.find('/');
  std::string ports = spec.substr(0, slash);
  std::string proto = slash == std::string::npos ? "tcp" : spec.substr(slash + 1);
  for (auto& ch : proto) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto dash = ports.find('-');
  auto first = port_number(ports.substr(0, dash));
  auto last = dash == std::string::npos ? first : port_number(ports.substr(dash + 1));
  if (!first || !last || *last < *first || (proto != "tcp" && proto != "udp" && proto != "sctp"))
    throw Error("EXPOSE " + in_quotes(spec) + ": not a port, a port range or port/protocol (tcp, udp, sctp)");
  auto& c = container_config(config);
  if (!c.contains("ExposedPorts") || !c["ExposedPorts"].is_object()) c["ExposedPorts"] = nlohmann::json::object();
  for (unsigned p = *first; p <= *last; ++p) c["ExposedPorts"][std::to_string(p) + "/" + proto] = nlohmann::json::object();
}

void add_volume(nlohmann::json& config, const std::string& path) {
  if (path.empty()) throw Error("VOLUME: an empty path");
  auto& c = container_config(config);
  if (!c.contains("Volumes") || !c["Volumes"].is_object()) c["Volumes"] = nlohmann::json::object();
  c["Volumes"][path] = nlohmann::json::object();
}

std::vector<std::string> command_words(const nlohmann::json& config, const std::vector<std::string>& args, bool json_form) {
  if (json_form) return args;
  std::vector<std::string> words{"/bin/sh", "-c"};
  if (config.contains("config") && config["config"].is_object() && config["config"].contains("Shell") &&
      config["config"]["Shell"].is_array() && !config["config"]["Shell"].empty())
    words = config["config"]["Shell"].get<std::vector<std::string>>();
  std::string joined;
  for (const auto& a : args) joined += (joined.empty() ? "" : " ") + a;
  words.push_back(joined);
  return words;
}

int64_t parse_go_duration(const std::string& text) {
  static const std::vector<std::pair<std::string, int64_t>> units{
      {"ns", 1}, {"us", 1000}, {"µs", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000}};
  if (text == "0") return 0;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) throw Error("not a duration: " + in_quotes(text) + " (e.g. 30s, 1m30s, 500ms)");
    const double number = std::stod(text.substr(start, i - start));
    size_t best = 0;
    int64_t scale = 0;
    for (const auto& [name, ns] : units)
      if (text.compare(i, name.size(), name) == 0 && name.size() > best) best = name.size(), scale = ns;
    if (!best) throw Error("not a duration: " + in_quotes(text) + " (e.g. 30s, 1m30s, 500ms)");
    // "ms" and "m" share a prefix: the longest unit that matches wins.
    total += static_cast<int64_t>(number * static_cast<double>(scale));
    i += best;
  }
  return total;
}

void add_history(nlohmann::json& config, const std::string& created, const std::string& created_by, bool empty_layer) {
  if (!config.contains("history") || !config["history"].is_array()) config["history"] = nlohmann::json::array();
  nlohmann::json entry = {{"created", created}, {"created_by", created_by}, {"comment", "oci-push build"}};
  if (empty_layer) entry["empty_layer"] = true;
  config["history"].push_back(std::move(entry));
}

void add_diff_id(nlohmann::json& config, const std::string& diff_id) {
  if (!config.contains("rootfs") || !config["rootfs"].is_object())
    config["rootfs"] = {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}};
  config["rootfs"]["diff_ids"].push_back(diff_id);
}

}  // namespace ocipush
