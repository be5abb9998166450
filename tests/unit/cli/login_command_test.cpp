// `oci-push login`'s command line (src/cli/login_command.cpp).
#include "oci_push/cli/login_command.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

LoginCommand parse_login(std::vector<const char*> args) {
  args.insert(args.begin(), "login");
  return parse_login_command(static_cast<int>(args.size()), args.data());
}

TEST(LoginCommand, RegistryIsStoredWithoutSchemeOrPath) {
  EXPECT_EQ(parse_login({"https://reg.example:5000/v2/", "--username", "u", "--password-stdin"}).registry,
            "reg.example:5000");
  EXPECT_EQ(parse_login({"http://127.0.0.1:5000", "--username", "u", "--password-stdin"}).registry, "127.0.0.1:5000");
  const auto c = parse_login({"docker.io", "-u", "u", "--password-stdin", "-v"});
  EXPECT_EQ(c.registry, "docker.io");
  EXPECT_TRUE(c.verbose);
  EXPECT_EQ(c.connection.auth.credentials->username, "u");
}

TEST(LoginCommand, UsageErrors) {
  EXPECT_THROW(parse_login({}), UsageError);
  EXPECT_THROW(parse_login({"a.io", "b.io", "--username", "u", "--password-stdin"}), UsageError);
  EXPECT_THROW(parse_login({"a.io", "--username", "u"}), UsageError);
  EXPECT_THROW(parse_login({"a.io", "--password-stdin"}), UsageError);
  EXPECT_THROW(parse_login({"https://", "--username", "u", "--password-stdin"}), UsageError);
  EXPECT_THROW(parse_login({"a.io", "--username", "u", "--password-stdin", "--bogus"}), UsageError);
  try {
    parse_login({"a.io", "--password-stdin"});
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("passwords are never arguments"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_login({"--help"}).action, LoginCommand::Action::Help);
}

}  // namespace
}  // namespace ocipush
