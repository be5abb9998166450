#include "oci_push/auth/docker_credential_helper.h"

#include <gtest/gtest.h>

#include "fakes/fake_environment.h"
#include "oci_push/auth/credential_store.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::FakeEnvironment;

TEST(CredentialHelper, GetSpeaksTheProtocol) {
  FakeEnvironment env;
  env.process = [](const std::vector<std::string>&, const std::string&) {
    return ProcessResult{0, R"({"ServerURL":"ghcr.io","Username":"bot","Secret":"s"})", ""};
  };
  const auto c = helper_get(env, "pass", "ghcr.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "bot");
  EXPECT_EQ(c->password, "s");
  EXPECT_EQ(env.ran[0], (std::vector<std::string>{"docker-credential-pass", "get"}));
  EXPECT_EQ(env.inputs[0], "ghcr.io");
  helper_get(env, "pass", "docker.io");
  EXPECT_EQ(env.inputs[1], "https://index.docker.io/v1/");
}

TEST(CredentialHelper, TokenUsernameNotFoundAndFailures) {
  EXPECT_EQ(parse_helper_answer(R"({"Username":"<token>","Secret":"idt"})", "x").identity_token, "idt");
  FakeEnvironment env;
  env.process = [](const std::vector<std::string>&, const std::string&) {
    return ProcessResult{1, "credentials not found in native keychain\n", ""};
  };
  EXPECT_FALSE(helper_get(env, "pass", "ghcr.io"));
  env.process = [](const std::vector<std::string>&, const std::string&) {
    return ProcessResult{2, "", "gpg: locked\n"};
  };
  try {
    helper_get(env, "pass", "ghcr.io");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "docker-credential-pass get failed for ghcr.io (exit status 2): gpg: locked");
  }
  env.process = nullptr;
  EXPECT_THROW(helper_get(env, "none", "ghcr.io"), Error);
  EXPECT_THROW(helper_get(env, "../../bin/sh", "ghcr.io"), Error);
}

TEST(CredentialStore, OrderAndLoginTargets) {
  FakeEnvironment env;
  env.vars["HOME"] = "/h";
  env.vars["XDG_RUNTIME_DIR"] = "/run/u";
  env.files["/run/u/containers/auth.json"] = R"({"auths":{"quay.io/team":{"auth":"cG9kOm1hbg=="}}})";
  EXPECT_EQ(find_stored_credentials("quay.io", env)->username, "pod");
  env.files["/h/.docker/config.json"] = R"({"auths":{"quay.io":{"auth":"ZG9jazplcg=="}}})";
  EXPECT_EQ(find_stored_credentials("quay.io", env)->username, "dock");
  env.vars["REGISTRY_AUTH_FILE"] = "/run/u/containers/auth.json";
  EXPECT_EQ(find_stored_credentials("quay.io", env)->username, "pod");

  EXPECT_EQ(store_login("r.io", "u", "p", env), "/h/.docker/config.json");
  EXPECT_NE(env.files["/h/.docker/config.json"].find("\"r.io\""), std::string::npos);
  env.files["/h/.docker/config.json"] = R"({"credsStore":"secretservice"})";
  env.process = [](const std::vector<std::string>&, const std::string&) { return ProcessResult{0, "", ""}; };
  EXPECT_EQ(store_login("r.io", "u", "p", env), "docker-credential-secretservice");
  EXPECT_EQ(env.ran.back(), (std::vector<std::string>{"docker-credential-secretservice", "store"}));
  EXPECT_EQ(env.inputs.back(), R"({"Secret":"p","ServerURL":"r.io","Username":"u"})");
}

}  // namespace
}  // namespace ocipush
