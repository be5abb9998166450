// The credential options of `oci-push push` (src/cli.cpp) land in PushOptions::auth.
#include <gtest/gtest.h>

#include "oci_push/cli/push_command.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

CliCommand parse(std::vector<const char*> args) {
  args.insert(args.begin(), "oci-push");
  return parse_command_line(static_cast<int>(args.size()), args.data());
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

}  // namespace
}  // namespace ocipush
