#include "oci_push/auth/aws/credential_process.h"

#include <gtest/gtest.h>

#include "auth/aws/chain_fixture.h"

namespace ocipush {
namespace {

using testing::Chain;

TEST_F(Chain, CredentialProcessIsRunWithoutAShell) {
  env.files["/home/u/.aws/config"] = "[default]\ncredential_process = /opt/get-creds --role 'a b'\n";
  env.process = [](const std::vector<std::string>&, const std::string&) {
    return ProcessResult{
        0,
        R"({"Version":1,"AccessKeyId":"AKP","SecretAccessKey":"SP","SessionToken":"TP","Expiration":"2023-11-15T00:00:00Z"})",
        ""};
  };
  const auto c = resolve();
  EXPECT_EQ(c.access_key_id, "AKP");
  EXPECT_EQ(c.session_token, "TP");
  ASSERT_EQ(env.ran.size(), 1u);
  EXPECT_EQ(env.ran[0], (std::vector<std::string>{"/opt/get-creds", "--role", "a b"}));
}

}  // namespace
}  // namespace ocipush
