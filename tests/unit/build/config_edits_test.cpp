// config_edits: SOURCE_DATE_EPOCH, RFC 3339 times, and what the metadata instructions write into a config.
#include "oci_push/build/config_edits.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using nlohmann::json;

TEST(ConfigEdits, SourceDateEpoch) {
  EXPECT_EQ(parse_source_date_epoch(std::nullopt), 0);
  EXPECT_EQ(parse_source_date_epoch(std::string("")), 0);
  EXPECT_EQ(parse_source_date_epoch(std::string("1700000000")), 1700000000);
  EXPECT_EQ(parse_source_date_epoch(std::string("0")), 0);
  for (const char* bad : {"abc", "-1", "1.5", " 1", "1e9", "99999999999999999999"})
    EXPECT_THROW(parse_source_date_epoch(std::string(bad)), Error) << bad;
}

TEST(ConfigEdits, Rfc3339) {
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(rfc3339_utc(951782400), "2000-02-29T00:00:00Z");
}

TEST(ConfigEdits, ScratchConfig) {
  json c = scratch_config("linux", "arm64", "v8");
  EXPECT_EQ(c["os"], "linux");
  EXPECT_EQ(c["architecture"], "arm64");
  EXPECT_EQ(c["variant"], "v8");
  EXPECT_EQ(c["rootfs"]["type"], "layers");
  EXPECT_EQ(c["rootfs"]["diff_ids"], json::array());
  EXPECT_FALSE(scratch_config("linux", "amd64", "").contains("variant"));
}

TEST(ConfigEdits, SetEnvReplacesInPlace) {
  json c = {{"config", {{"Env", {"PATH=/bin", "A=1", "B=2"}}}}};
  set_env(c, "A", "x=y");
  set_env(c, "C", "3");
  EXPECT_EQ(c["config"]["Env"], (json{"PATH=/bin", "A=x=y", "B=2", "C=3"}));
  EXPECT_EQ(env_of(c), (std::vector<std::pair<std::string, std::string>>{
                           {"PATH", "/bin"}, {"A", "x=y"}, {"B", "2"}, {"C", "3"}}));
  // "AB" is not "A".
  set_env(c, "AB", "z");
  EXPECT_EQ(c["config"]["Env"].size(), 5u);
}

TEST(ConfigEdits, SetEnvOnAnEmptyConfig) {
  json c = json::object();
  set_env(c, "K", "V");
  EXPECT_EQ(c["config"]["Env"], (json{"K=V"}));
  EXPECT_TRUE(env_of(json::object()).empty());
}

TEST(ConfigEdits, Labels) {
  json c = json::object();
  set_label(c, "a", "1");
  set_label(c, "a", "2");
  set_label(c, "b", "");
  EXPECT_EQ(c["config"]["Labels"], (json{{"a", "2"}, {"b", ""}}));
}

TEST(ConfigEdits, ExposePort) {
  json c = json::object();
  expose_port(c, "80");
  expose_port(c, "53/UDP");
  expose_port(c, "8000-8002");
  expose_port(c, "132/sctp");
  const json& ports = c["config"]["ExposedPorts"];
  EXPECT_EQ(ports, (json{{"80/tcp", json::object()},
                         {"53/udp", json::object()},
                         {"8000/tcp", json::object()},
                         {"8001/tcp", json::object()},
                         {"8002/tcp", json::object()},
                         {"132/sctp", json::object()}}));
  for (const char* bad : {"x", "", "80/icmp", "70000", "90-80", "80-", "-80", "8a"})
    EXPECT_THROW(expose_port(c, bad), Error) << bad;
}

TEST(ConfigEdits, Volumes) {
  json c = json::object();
  add_volume(c, "/data");
  EXPECT_EQ(c["config"]["Volumes"], (json{{"/data", json::object()}}));
  EXPECT_THROW(add_volume(c, ""), Error);
}

TEST(ConfigEdits, CommandWords) {
  json c = json::object();
  EXPECT_EQ(command_words(c, {"echo", "hi"}, true), (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(command_words(c, {"echo hi && ls"}, false), (std::vector<std::string>{"/bin/sh", "-c", "echo hi && ls"}));
  c["config"]["Shell"] = {"pwsh", "-Command"};
  EXPECT_EQ(command_words(c, {"Get-Item"}, false), (std::vector<std::string>{"pwsh", "-Command", "Get-Item"}));
  EXPECT_EQ(command_words(c, {"a", "b"}, true), (std::vector<std::string>{"a", "b"}));
}

TEST(ConfigEdits, GoDuration) {
  EXPECT_EQ(parse_go_duration("30s"), 30'000'000'000);
  EXPECT_EQ(parse_go_duration("1m30s"), 90'000'000'000);
  EXPECT_EQ(parse_go_duration("500ms"), 500'000'000);
  EXPECT_EQ(parse_go_duration("1h"), 3'600'000'000'000);
  EXPECT_EQ(parse_go_duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_go_duration("10us"), 10'000);
  EXPECT_EQ(parse_go_duration("0"), 0);
  for (const char* bad : {"bad", "30", "s", "5x", "1m30"}) EXPECT_THROW(parse_go_duration(bad), Error) << bad;
}

TEST(ConfigEdits, HistoryAndDiffIds) {
  json c = json::object();
  add_history(c, "1970-01-01T00:00:00Z", "ENV A=1", true);
  add_history(c, "1970-01-01T00:00:00Z", "COPY a /a", false);
  ASSERT_EQ(c["history"].size(), 2u);
  EXPECT_EQ(c["history"][0]["created"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(c["history"][0]["created_by"], "ENV A=1");
  EXPECT_EQ(c["history"][0]["empty_layer"], true);
  EXPECT_EQ(c["history"][1]["created_by"], "COPY a /a");
  EXPECT_FALSE(c["history"][1].contains("empty_layer"));
  add_diff_id(c, "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(c["rootfs"]["type"], "layers");
  EXPECT_EQ(c["rootfs"]["diff_ids"], (json{"sha256:" + std::string(64, 'a')}));
}

TEST(ConfigEdits, ContainerConfigIsCreated) {
  json c = {{"config", nullptr}};
  container_config(c)["User"] = "app";
  EXPECT_EQ(c["config"], (json{{"User", "app"}}));
}

}  // namespace
}  // namespace ocipush
