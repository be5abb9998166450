#include "oci_push/auth/aws/aws_config_file.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

TEST(AwsConfigFile, SectionsKeysCommentsAndNestedSettings) {
  const auto f = parse_aws_ini(
      "# comment\n[default]\nregion = eu-west-1\n\n[profile   dev]\n; another\nRole_Arn=arn:aws:iam::1:role/r\n"
      "s3 =\n  max_concurrent_requests = 20\nsource_profile = base\r\n",
      "config");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.at("default").at("region"), "eu-west-1");
  const auto& dev = f.at("profile dev");
  EXPECT_EQ(dev.at("role_arn"), "arn:aws:iam::1:role/r");
  EXPECT_EQ(dev.at("source_profile"), "base");
  EXPECT_EQ(dev.count("max_concurrent_requests"), 0u);
  EXPECT_EQ(dev.count("s3"), 0u);
}

TEST(AwsConfigFile, ProfileNamesDifferBetweenTheTwoFiles) {
  const auto config = parse_aws_ini("[default]\na=1\n[profile dev]\nb=2\n[dev]\nc=3\n", "config");
  EXPECT_EQ(aws_profile(config, "dev", true)->count("b"), 1u);
  EXPECT_EQ(aws_profile(config, "default", true)->count("a"), 1u);
  const auto creds = parse_aws_ini("[dev]\nc=3\n", "credentials");
  EXPECT_EQ(aws_profile(creds, "dev", false)->at("c"), "3");
  EXPECT_FALSE(aws_profile(creds, "other", false));
}

TEST(AwsConfigFile, MalformedLinesNameFileAndLine) {
  try {
    parse_aws_ini("[default]\nregion eu-west-1\n", "/home/u/.aws/config");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/home/u/.aws/config, line 2: expected [section] or key = value");
  }
  EXPECT_THROW(parse_aws_ini("key = before any section\n", "c"), Error);
  EXPECT_THROW(parse_aws_ini("[unclosed\n", "c"), Error);
}

}  // namespace
}  // namespace ocipush
