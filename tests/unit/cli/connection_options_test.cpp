// The shared connection options (src/cli/connection_options.cpp): parsed into ConnectionOptions the same
// way by every subcommand that talks to a registry (push, login), with the same checks.
#include "oci_push/cli/connection_options.h"

#include <gtest/gtest.h>

#include <sstream>

#include "oci_push/cli/login_command.h"
#include "oci_push/cli/push_command.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

PushCommand parse(std::vector<const char*> args) {
  args.insert(args.begin(), "oci-push");
  return parse_push_command(static_cast<int>(args.size()), args.data());
}

ConnectionOptions push_connection(std::vector<const char*> args) {
  args.insert(args.begin(), {"oci-push", "push", "a.tar", "127.0.0.1:5000/app:1"});
  return parse_push_command(static_cast<int>(args.size()), args.data()).push.connection;
}

ConnectionOptions login_connection(std::vector<const char*> args) {
  args.insert(args.begin(), {"login", "127.0.0.1:5000"});
  return parse_login_command(static_cast<int>(args.size()), args.data()).connection;
}

TEST(CliAuthOptions, EcrOptionsFillAuthOptions) {
  const auto c = parse({"a.tar", "127.0.0.1:5000/app:1", "--ecr-region", "eu-west-1", "--ecr-registry-id",
                        "123456789012", "--create-repository", "--repository-policy", "/p.json"});
  EXPECT_EQ(c.push.connection.auth.ecr_region, "eu-west-1");
  EXPECT_EQ(c.push.connection.auth.ecr_registry_id, "123456789012");
  EXPECT_TRUE(c.push.connection.auth.create_repository);
  EXPECT_EQ(c.push.connection.auth.repository_policy_file, "/p.json");
  EXPECT_FALSE(c.push.connection.auth.ecr_public);
  EXPECT_TRUE(parse({"a.tar", "x.io/app:1", "--ecr-public"}).push.connection.auth.ecr_public);
}

TEST(CliAuthOptions, BadCombinationsAreUsageErrors) {
  EXPECT_THROW(parse({"a.tar", "x.io/app:1", "--ecr-registry-id", "12345"}), UsageError);
  EXPECT_THROW(parse({"a.tar", "x.io/app:1", "--ecr-registry-id", "12345678901x"}), UsageError);
  EXPECT_THROW(parse({"a.tar", "x.io/app:1", "--ecr-public", "--ecr-region", "eu-west-1"}), UsageError);
}

TEST(ConnectionOptions, PushAndLoginParseThemAlike) {
  const std::vector<const char*> args = {"--username",      "u",          "--password-stdin",  "--ca-file",
                                         "ca.pem",          "--insecure", "--retries",         "7",
                                         "--retry-budget",  "90s",        "--connect-timeout", "5s",
                                         "--stall-timeout", "1m"};
  const auto push = push_connection(args);
  const auto login = login_connection(args);
  for (const auto* c : {&push, &login}) {
    ASSERT_TRUE(c->auth.credentials.has_value());
    EXPECT_EQ(c->auth.credentials->username, "u");
    EXPECT_EQ(c->auth.credentials->password, "") << "read later, by read_stdin_password";
    EXPECT_EQ(c->tls.ca_file, "ca.pem");
    EXPECT_TRUE(c->tls.insecure);
    EXPECT_FALSE(c->plain_http);
    EXPECT_EQ(c->retry.max_retries, 7);
    EXPECT_EQ(c->retry.budget, Millis(90'000));
    EXPECT_EQ(c->timeouts.connect, Millis(5'000));
    EXPECT_EQ(c->timeouts.stall, Millis(60'000));
  }
  const auto plain_push = push_connection({"--plain-http"});
  const auto plain_login = login_connection({"--username", "u", "--password-stdin", "--plain-http"});
  EXPECT_TRUE(plain_push.plain_http);
  EXPECT_TRUE(plain_login.plain_http);
}

TEST(ConnectionOptions, DefaultsAreTheLibrarys) {
  const auto c = push_connection({});
  const ConnectionOptions defaults;
  EXPECT_FALSE(c.auth.credentials.has_value());
  EXPECT_EQ(c.retry.max_retries, defaults.retry.max_retries);
  EXPECT_EQ(c.retry.budget, defaults.retry.budget);
  EXPECT_EQ(c.timeouts.connect, defaults.timeouts.connect);
  EXPECT_EQ(c.timeouts.stall, defaults.timeouts.stall);
  EXPECT_FALSE(c.plain_http || c.tls.insecure);
  EXPECT_TRUE(c.tls.ca_file.empty());
}

// The checks go with the shared parser: login gets them too.
TEST(ConnectionOptions, EverySubcommandChecksThemAlike) {
  for (const std::vector<const char*>& bad : {std::vector<const char*>{"--plain-http", "--insecure"},
                                              {"--plain-http", "--ca-file", "ca.pem"},
                                              {"--retries", "101"},
                                              {"--retries", "-1"},
                                              {"--retry-budget", "soon"},
                                              {"--connect-timeout", "0s"},
                                              {"--stall-timeout", "500ms"}}) {
    std::vector<const char*> login_args = {"--username", "u", "--password-stdin"};
    login_args.insert(login_args.end(), bad.begin(), bad.end());
    EXPECT_THROW(push_connection(bad), UsageError) << bad[0];
    EXPECT_THROW(login_connection(login_args), UsageError) << bad[0];
  }
}

TEST(ConnectionOptions, LoginOffersNoEcrOptions) {
  EXPECT_THROW(login_connection({"--username", "u", "--password-stdin", "--ecr-region", "eu-west-1"}), UsageError);
  EXPECT_THROW(login_connection({"--username", "u", "--password-stdin", "--ecr-public"}), UsageError);
}

TEST(ConnectionOptions, PasswordComesFromStdin) {
  auto c = push_connection({"--username", "u", "--password-stdin"});
  std::istringstream in("s3cret\r\nmore\n");
  read_stdin_password(c, in);
  EXPECT_EQ(c.auth.credentials->password, "s3cret");
  std::istringstream empty("");
  EXPECT_THROW(read_stdin_password(c, empty), UsageError);

  auto none = push_connection({});
  std::istringstream untouched("x\n");
  read_stdin_password(none, untouched);
  EXPECT_FALSE(none.auth.credentials.has_value());
  EXPECT_EQ(untouched.tellg(), 0) << "nothing read without --password-stdin";
}

}  // namespace
}  // namespace ocipush
