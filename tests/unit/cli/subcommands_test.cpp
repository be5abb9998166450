// The dispatcher (src/cli/subcommands.cpp): top-level help, each subcommand's help, usage errors, the
// bare form `oci-push SOURCE [TARGET]`. Nothing here gets as far as a registry or a source.
#include "oci_push/cli/subcommands.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;

std::vector<const char*> command_line(std::vector<const char*> args) {
  args.insert(args.begin(), "oci-push");
  return args;
}

// stdout of the command line; it must succeed.
std::string output_of(std::vector<const char*> args) {
  auto argv = command_line(std::move(args));
  std::ostringstream out;
  EXPECT_EQ(run_cli(static_cast<int>(argv.size()), argv.data(), "1.2.3", out), 0);
  return out.str();
}

// The usage error's message; "" when there is none.
std::string subcommand_usage_error(std::vector<const char*> args) {
  auto argv = command_line(std::move(args));
  std::ostringstream out;
  try {
    run_cli(static_cast<int>(argv.size()), argv.data(), "1.2.3", out);
  } catch (const UsageError& e) {
    EXPECT_EQ(out.str(), "") << "a usage error prints nothing on stdout";
    return e.what();
  }
  return "";
}

CliRoute route(std::vector<const char*> args) {
  auto argv = command_line(std::move(args));
  return route_command_line(static_cast<int>(argv.size()), argv.data());
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Subcommands, TopLevelHelpListsEverySubcommand) {
  for (const char* help : {"--help", "-h", "help"}) {
    const auto text = output_of({help});
    for (const char* line : {"push SOURCE [TARGET]", "inspect SOURCE", "login REGISTRY", "ecr get-login-password",
                             "ecr-public get-login-password", "--help", "--version"})
      EXPECT_TRUE(contains(text, line)) << help << " does not list " << line << "\n" << text;
    EXPECT_TRUE(contains(text, "oci-push SOURCE [TARGET] [OPTIONS]   short for oci-push push")) << text;
  }
  for (const auto& s : subcommands()) EXPECT_TRUE(contains(top_level_help(), std::string(s.summary))) << s.name;
}

TEST(Subcommands, VersionIsTheProgramsName) { EXPECT_EQ(output_of({"--version"}), "oci-push 1.2.3\n"); }

TEST(Subcommands, EachHelpShowsItsOwnOptions) {
  const std::vector<std::pair<const char*, std::vector<const char*>>> expected = {
      {"push", {"--tag", "--jobs", "--dry-run", "--username", "--ecr-region", "--retries", "--plain-http", "--help"}},
      {"inspect", {"--json", "--help"}},
      {"login",
       {"--username", "--password-stdin", "--ca-file", "--plain-http", "--insecure", "--retries", "--verbose"}},
      {"ecr", {"--region", "get-login-password", "aws ecr get-login-password"}},
      {"ecr-public", {"--region", "get-login-password", "aws ecr-public get-login-password"}}};
  for (const auto& [name, options] : expected) {
    const auto help = output_of({name, "--help"});
    EXPECT_EQ(help, output_of({"help", name})) << name;
    const std::string usage = std::string(name) == "push" ? "oci-push [push]" : "oci-push " + std::string(name);
    EXPECT_TRUE(contains(help, "Usage:\n  " + usage)) << help;
    for (const char* option : options) EXPECT_TRUE(contains(help, option)) << name << " --help lacks " << option;
  }
  EXPECT_FALSE(contains(output_of({"login", "--help"}), "--ecr-region"));
  EXPECT_FALSE(contains(output_of({"inspect", "--help"}), "--tag"));
  EXPECT_EQ(output_of({"img.tar", "--help"}), output_of({"push", "--help"})) << "the bare form is push";
}

TEST(Subcommands, UnknownSubcommandIsAUsageErrorListingThem) {
  const auto message = subcommand_usage_error({"pussh", "img.tar", "reg/x"});
  EXPECT_TRUE(contains(message, "unknown subcommand \"pussh\"")) << message;
  EXPECT_TRUE(contains(message, "push, pull, copy, build, verify, inspect, login, ecr, ecr-public")) << message;
  EXPECT_TRUE(contains(subcommand_usage_error({"help", "pussh"}), "unknown subcommand \"pussh\""));
  EXPECT_TRUE(contains(subcommand_usage_error({"log\nin"}), "unknown subcommand \"log\\x0ain\"")) << "one line";
}

TEST(Subcommands, UnknownOptionIsAUsageErrorNamingIt) {
  for (const auto& args : {std::vector<const char*>{"--frobnicate", "img.tar", "reg/x"},
                           {"img.tar", "reg/x", "--frobnicate"},
                           {"push", "--frobnicate", "img.tar"},
                           {"inspect", "--frobnicate", "img.tar"},
                           {"login", "reg", "--frobnicate"},
                           {"ecr", "get-login-password", "--frobnicate"}}) {
    const auto message = subcommand_usage_error(args);
    EXPECT_TRUE(contains(message, "\"frobnicate\"")) << args[0] << ": " << message;
  }
  EXPECT_TRUE(contains(subcommand_usage_error({"inspect", "--frobnicate"}), "see oci-push inspect --help"));
}

TEST(Subcommands, MissingSourceIsAUsageError) {
  EXPECT_TRUE(contains(subcommand_usage_error({}), "missing SOURCE"));
  EXPECT_TRUE(contains(subcommand_usage_error({"push"}), "missing SOURCE"));
}

TEST(Subcommands, BareFormIsPush) {
  const Subcommand* push = find_subcommand("push");
  for (const auto& args : {std::vector<const char*>{"image.tar", "127.0.0.1:5000/app:1"},
                           {"oci:layout"},
                           {"./image", "reg/x"},
                           {"/abs/image", "reg/x"},
                           {"-q", "image", "reg/x"},
                           {"--username", "u", "image", "reg/x"},
                           {}}) {
    const auto r = route(args);
    EXPECT_EQ(r.kind, CliRoute::Kind::Run);
    EXPECT_EQ(r.subcommand, push) << (args.empty() ? "(none)" : args[0]);
    EXPECT_EQ(r.first, 0) << "push parses the whole command line";
  }
  const auto explicit_push = route({"push", "image.tar", "reg/x"});
  EXPECT_EQ(explicit_push.subcommand, push);
  EXPECT_EQ(explicit_push.first, 0);
  const auto login = route({"login", "reg"});
  EXPECT_EQ(login.subcommand, find_subcommand("login"));
  EXPECT_EQ(login.first, 1) << "the others get argv from their name on";
  EXPECT_EQ(route({"--version"}).kind, CliRoute::Kind::Version);
  EXPECT_EQ(route({"help", "ecr"}).subcommand, find_subcommand("ecr"));
}

// A plain word is a SOURCE when there is a file (or directory) of that name.
TEST(Subcommands, ExistingPathIsASourceNotASubcommand) {
  std::string dir = (fs::temp_directory_path() / "oci_push_subcommands_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  std::ofstream("imagefile") << "x";
  const auto r = route({"imagefile", "reg/x"});
  const auto other = subcommand_usage_error({"otherfile", "reg/x"});
  fs::current_path(cwd);
  fs::remove_all(dir);
  EXPECT_EQ(r.subcommand, find_subcommand("push"));
  EXPECT_TRUE(contains(other, "unknown subcommand \"otherfile\"")) << other;
}

}  // namespace
}  // namespace ocipush
