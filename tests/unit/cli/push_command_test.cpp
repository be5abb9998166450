#include "oci_push/cli/push_command.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "oci_push/cli/subcommands.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

PushCommand parse(std::vector<const char*> args) {
  args.insert(args.begin(), "oci-push");
  return parse_push_command(static_cast<int>(args.size()), args.data());
}

TEST(Cli, PushWordIsOptional) {
  auto a = parse({"push", "img.tar", "127.0.0.1:5000/app:1"});
  auto b = parse({"img.tar", "127.0.0.1:5000/app:1"});
  EXPECT_EQ(a.push.source, "img.tar");
  EXPECT_EQ(a.push.target, "127.0.0.1:5000/app:1");
  EXPECT_EQ(b.push.source, a.push.source);
  EXPECT_EQ(b.push.target, a.push.target);
}

TEST(Cli, Defaults) {
  auto c = parse({"img.tar"});
  EXPECT_EQ(c.push.jobs, 4u);
  EXPECT_EQ(c.push.chunk_size, 128u << 20);
  EXPECT_FALSE(c.push.dry_run);
  EXPECT_FALSE(c.push.format.has_value());
  EXPECT_TRUE(c.push.target.empty());
}

TEST(Cli, AllOptions) {
  auto c = parse({"img.tar",
                  "r:5000/a",
                  "-t",
                  "x",
                  "--tag",
                  "y",
                  "--image",
                  "a:1",
                  "--format",
                  "oci",
                  "-j",
                  "2",
                  "--threads",
                  "3",
                  "--chunk-size",
                  "16M",
                  "--digest-file",
                  "d",
                  "--json",
                  "-q",
                  "-v",
                  "--dry-run",
                  "--ca-file",
                  "ca.pem",
                  "--insecure",
                  "--username",
                  "u",
                  "--password-stdin"});
  EXPECT_EQ(c.push.extra_tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c.push.image, "a:1");
  EXPECT_EQ(c.push.format, ManifestFormat::Oci);
  EXPECT_EQ(c.push.jobs, 2u);
  EXPECT_EQ(c.push.threads, 3u);
  EXPECT_EQ(c.push.chunk_size, 16u << 20);
  EXPECT_EQ(c.digest_file, "d");
  EXPECT_TRUE(c.json && c.quiet && c.verbose && c.push.dry_run && c.push.connection.tls.insecure &&
              c.push.connection.auth.credentials.has_value());
  EXPECT_EQ(c.push.connection.tls.ca_file, "ca.pem");
  EXPECT_EQ(c.push.connection.auth.credentials->username, "u");
}

TEST(Cli, UsageErrors) {
  EXPECT_THROW(parse({}), UsageError);
  EXPECT_THROW(parse({"push"}), UsageError);
  EXPECT_THROW(parse({"a", "b", "c"}), UsageError);
  EXPECT_THROW(parse({"a", "--bogus"}), UsageError);
  EXPECT_THROW(parse({"a", "--chunk-size", "1k"}), UsageError);
  EXPECT_THROW(parse({"a", "--chunk-size", "4MiB"}), UsageError);
  EXPECT_THROW(parse({"a", "--format", "v1"}), UsageError);
  EXPECT_THROW(parse({"a", "-j", "0"}), UsageError);
  EXPECT_THROW(parse({"a", "--password-stdin"}), UsageError);
  EXPECT_THROW(parse({"a", "--username", "u"}), UsageError);
  EXPECT_THROW(parse({"a", "--plain-http", "--insecure"}), UsageError);
}

// `oci-push --help`: the top-level help ends with push's, the subcommand that needs no word.
TEST(Cli, HelpListsEveryOption) {
  auto help = top_level_help();
  for (const char* option : {"--tag", "--registry", "--image", "--format", "--username", "--password-stdin", "--jobs",
                             "--threads", "--chunk-size", "--digest-file", "--json", "--quiet", "--verbose",
                             "--dry-run", "--ca-file", "--plain-http", "--insecure", "--help", "--version"})
    EXPECT_NE(help.find(option), std::string::npos) << option;
  EXPECT_NE(help.find("Exit status"), std::string::npos);
  EXPECT_EQ(parse({"--help"}).action, PushCommand::Action::Help);
  EXPECT_EQ(parse({"push", "--help"}).action, PushCommand::Action::Help);
}

PushResult sample_result(bool dry_run) {
  auto d = [](char c) { return *Digest::parse("sha256:" + std::string(64, c)); };
  RepositoryResult r;
  r.name = "127.0.0.1:5000/app";
  r.tags = {"1.0"};
  r.manifest.digest = d('e');
  r.manifest.media_type = "application/vnd.docker.distribution.manifest.v2+json";
  r.manifest.config = {
      {"application/vnd.docker.container.image.v1+json", d('c'), 10, {}, {}}, std::nullopt, true, false};
  r.manifest.layers = {
      {{"application/vnd.docker.image.rootfs.diff.tar.gzip", d('1'), 20, {}, {}}, d('2'), false, false}};
  return {dry_run, {r}};
}

PushResult sample_index_result() {
  auto result = sample_result(true);
  auto image = result.repositories[0].manifest;
  image.platform = Platform{"linux", "arm64", "v8"};
  auto& top = result.repositories[0].manifest;
  top = ManifestResult{};
  top.digest = *Digest::parse("sha256:" + std::string(64, 'f'));
  top.media_type = "application/vnd.oci.image.index.v1+json";
  top.manifests = {image};
  return result;
}

TEST(Cli, IndexJsonListsManifestsWithPlatforms) {
  auto result = sample_index_result();
  result.dry_run = false;
  auto j = nlohmann::json::parse(format_push_result(result, true));
  EXPECT_EQ(j["mediaType"], "application/vnd.oci.image.index.v1+json");
  EXPECT_FALSE(j.contains("layers"));
  ASSERT_EQ(j["manifests"].size(), 1u);
  EXPECT_EQ(j["manifests"][0]["platform"], "linux/arm64/v8");
  EXPECT_EQ(j["manifests"][0]["digest"], "sha256:" + std::string(64, 'e'));
  EXPECT_EQ(j["manifests"][0]["layers"][0]["size"], 20);
}

TEST(Cli, IndexPlanEndsWithTheIndex) {
  auto plan = format_push_result(sample_index_result(), false);
  EXPECT_NE(plan.find("manifest sha256:" + std::string(64, 'e') + " linux/arm64/v8\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("index sha256:" + std::string(64, 'f') + " 127.0.0.1:5000/app 1.0\n"), std::string::npos) << plan;
}

TEST(Cli, PlatformAndAll) {
  auto c = parse({"img", "r/x", "--platform", "linux/arm64", "--all"});
  EXPECT_EQ(c.push.platform, "linux/arm64");
  EXPECT_TRUE(c.push.all);
  EXPECT_THROW(parse({"img", "--platform", "linux"}), UsageError);
  EXPECT_THROW(parse({"img", "--all", "--image", "a:1"}), UsageError);
}

TEST(Cli, PlainOutputIsTheReference) {
  EXPECT_EQ(format_push_result(sample_result(false), false),
            "127.0.0.1:5000/app@sha256:" + std::string(64, 'e') + "\n");
}

TEST(Cli, JsonOutput) {
  auto j = nlohmann::json::parse(format_push_result(sample_result(false), true));
  EXPECT_EQ(j["reference"], "127.0.0.1:5000/app@sha256:" + std::string(64, 'e'));
  EXPECT_EQ(j["tags"][0], "1.0");
  EXPECT_EQ(j["config"]["skipped"], true);
  EXPECT_EQ(j["layers"][0]["diffId"], "sha256:" + std::string(64, '2'));
  EXPECT_EQ(j["layers"][0]["size"], 20);
  EXPECT_EQ(j["layers"][0]["skipped"], false);
  EXPECT_EQ(j["dryRun"], false);
}

TEST(Cli, DryRunPlan) {
  auto plan = format_push_result(sample_result(true), false);
  EXPECT_NE(plan.find("layer sha256:" + std::string(64, '1') + " 20 upload\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("config sha256:" + std::string(64, 'c') + " 10 exists\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("manifest sha256:" + std::string(64, 'e') + " 127.0.0.1:5000/app 1.0\n"), std::string::npos);
}

}  // namespace
}  // namespace ocipush
