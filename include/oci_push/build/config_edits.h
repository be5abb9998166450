// What the metadata instructions do to an image config (Docker and OCI share these fields), as BuildKit
// writes them. Pure: JSON in, JSON out; the instructions' words are already expanded.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocipush {

// SOURCE_DATE_EPOCH as the build reads it: unset is 0; anything but a whole number of seconds is Error.
int64_t parse_source_date_epoch(const std::optional<std::string>& value);
// 0 -> "1970-01-01T00:00:00Z".
std::string rfc3339_utc(int64_t seconds);

// A config to build on: scratch's (just the platform and an empty rootfs), or a copy of the base's.
nlohmann::json scratch_config(const std::string& os, const std::string& architecture, const std::string& variant);

// The config's "config" object (created when missing).
nlohmann::json& container_config(nlohmann::json& config);

// "K=V" in Env, replacing K's earlier value.
void set_env(nlohmann::json& config, const std::string& key, const std::string& value);
// The Env list as pairs, in order.
std::vector<std::pair<std::string, std::string>> env_of(const nlohmann::json& config);
void set_label(nlohmann::json& config, const std::string& key, const std::string& value);
// "80", "80/udp", "8000-8002/tcp" into ExposedPorts; throws Error for anything else.
void expose_port(nlohmann::json& config, const std::string& spec);
void add_volume(nlohmann::json& config, const std::string& path);
// Exec form as given; shell form wrapped in the config's Shell (default /bin/sh -c).
std::vector<std::string> command_words(const nlohmann::json& config, const std::vector<std::string>& args, bool json_form);
// A Go duration ("30s", "1m30s", "500ms") in nanoseconds; throws Error otherwise.
int64_t parse_go_duration(const std::string& text);

// The history entry an instruction adds, and the config's rootfs.diff_ids gaining a layer.
void add_history(nlohmann::json& config, const std::string& created, const std::string& created_by, bool empty_layer);
void add_diff_id(nlohmann::json& config, const std::string& diff_id);

}  // namespace ocipush
