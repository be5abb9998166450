#include "oci_push/auth/docker_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include "oci_push/util/base64.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::optional<Credentials> lookup(const std::string& json, std::string_view registry) {
  return lookup_docker_config(json, registry, "/home/u/.docker/config.json");
}

std::string lookup_error(const std::string& json, std::string_view registry = "example.com") {
  try {
    lookup(json, registry);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string auths(const std::string& key, const std::string& entry) {
  return R"({"auths": {")" + key + R"(": )" + entry + "}}";
}

std::string auth_entry(const std::string& user_pass) { return R"({"auth": ")" + base64_encode(user_pass) + R"("})"; }

TEST(DockerConfig, AuthField) {
  const auto c = lookup(auths("registry.example.com", auth_entry("alice:s3cret")), "registry.example.com");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->password, "s3cret");
  EXPECT_EQ(c->identity_token, "");
  EXPECT_FALSE(c->empty());
}

TEST(DockerConfig, PasswordMayContainColons) {
  const auto c = lookup(auths("r.io", auth_entry("bob:pa:ss:word")), "r.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "bob");
  EXPECT_EQ(c->password, "pa:ss:word");
}

TEST(DockerConfig, DockerHubUsesTheIndexKey) {
  const std::string json = auths("https://index.docker.io/v1/", auth_entry("hubuser:hubpass"));
  for (const char* registry : {"docker.io", "index.docker.io", "registry-1.docker.io"}) {
    const auto c = lookup(json, registry);
    ASSERT_TRUE(c) << registry;
    EXPECT_EQ(c->username, "hubuser");
  }
  EXPECT_FALSE(lookup(json, "ghcr.io"));
}

TEST(DockerConfig, DockerHubPrefersTheIndexKeyOverOtherAliases) {
  const std::string json = R"({"auths": {
    "index.docker.io": )" + auth_entry("alias:x") +
                           R"(,
    "https://index.docker.io/v1/": )" +
                           auth_entry("main:y") + "}}";
  EXPECT_EQ(lookup(json, "docker.io")->username, "main");
}

TEST(DockerConfig, SchemeAndPathInTheKeyMatchTheHost) {
  EXPECT_EQ(lookup(auths("http://host:5000", auth_entry("u:p")), "host:5000")->username, "u");
  EXPECT_EQ(lookup(auths("https://host:5000/v2/", auth_entry("u:p")), "host:5000")->username, "u");
  EXPECT_EQ(lookup(auths("HOST:5000", auth_entry("u:p")), "host:5000")->username, "u");
  // The port is part of the host.
  EXPECT_FALSE(lookup(auths("http://host:5000", auth_entry("u:p")), "host"));
  EXPECT_FALSE(lookup(auths("host", auth_entry("u:p")), "host:5000"));
}

TEST(DockerConfig, ExactKeyWinsOverOtherMatches) {
  const std::string json = R"({"auths": {
    "http://host:5000": )" +
                           auth_entry("other:1") + R"(,
    "host:5000": )" + auth_entry("exact:2") +
                           "}}";
  EXPECT_EQ(lookup(json, "host:5000")->username, "exact");
}

TEST(DockerConfig, UsernameAndPasswordFields) {
  const auto c = lookup(auths("r.io", R"({"username": "carol", "password": "pw"})"), "r.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "carol");
  EXPECT_EQ(c->password, "pw");
}

TEST(DockerConfig, AuthFieldWinsOverUsernameAndPassword) {
  const auto c =
      lookup(auths("r.io", R"({"auth": ")" + base64_encode("a:b") + R"(", "username": "x", "password": "y"})"), "r.io");
  EXPECT_EQ(c->username, "a");
  EXPECT_EQ(c->password, "b");
}

TEST(DockerConfig, IdentityToken) {
  const auto c =
      lookup(auths("myregistry.azurecr.io", R"({"auth": ")" + base64_encode("00000000-0000-0000-0000-000000000000:") +
                                                R"(", "identitytoken": "eyJ.refresh"})"),
             "myregistry.azurecr.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(c->password, "");
  EXPECT_EQ(c->identity_token, "eyJ.refresh");

  const auto only_token = lookup(auths("r.io", R"({"identitytoken": "tok"})"), "r.io");
  ASSERT_TRUE(only_token);
  EXPECT_EQ(only_token->identity_token, "tok");
  EXPECT_FALSE(only_token->empty());
}

TEST(DockerConfig, MissingRegistryIsNullopt) {
  EXPECT_EQ(lookup(auths("a.io", auth_entry("u:p")), "b.io"), std::nullopt);
  EXPECT_EQ(lookup("{}", "b.io"), std::nullopt);
  EXPECT_EQ(lookup(R"({"auths": {}})", "b.io"), std::nullopt);
  EXPECT_EQ(lookup(R"({"auths": null, "credsStore": "desktop"})", "b.io"), std::nullopt);
}

TEST(DockerConfig, EmptyEntryIsNullopt) {
  // What docker writes when a credential helper holds the secret.
  EXPECT_EQ(lookup(auths("r.io", "{}"), "r.io"), std::nullopt);
  EXPECT_EQ(lookup(auths("r.io", R"({"auth": ""})"), "r.io"), std::nullopt);
}

TEST(DockerConfig, EmptyEntryDoesNotHideAnotherKeyForTheSameHost) {
  const std::string json = R"({"auths": {
    "r.io": {},
    "https://r.io": )" + auth_entry("u:p") +
                           "}}";
  EXPECT_EQ(lookup(json, "r.io")->username, "u");
}

TEST(DockerConfig, MalformedJsonThrowsWithTheSourceName) {
  const std::string msg = lookup_error(R"({"auths": {)");
  EXPECT_EQ(msg.rfind("/home/u/.docker/config.json: invalid JSON: ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(lookup_error(""), "");
  EXPECT_NE(lookup_error("{\"auths\":\n{\"a\": \n"), "");
}

TEST(DockerConfig, MalformedBase64Throws) {
  const std::string msg = lookup_error(auths("r.io", R"({"auth": "not base64!"})"), "r.io");
  EXPECT_EQ(msg, "/home/u/.docker/config.json: the \"auths\" entry \"r.io\" has an \"auth\" that is not valid base64");
}

TEST(DockerConfig, AuthWithoutColonThrows) {
  const std::string msg = lookup_error(auths("r.io", R"({"auth": ")" + base64_encode("nocolon") + R"("})"), "r.io");
  EXPECT_EQ(msg, "/home/u/.docker/config.json: the \"auths\" entry \"r.io\" has an \"auth\" that does not decode "
                 "to user:password");
}

TEST(DockerConfig, SecretsAreNotEchoedInErrors) {
  const std::string msg = lookup_error(auths("r.io", R"({"auth": "c2VjcmV0!!"})"), "r.io");
  EXPECT_EQ(msg.find("c2VjcmV0"), std::string::npos) << msg;
}

TEST(DockerConfig, MalformedEntriesOfOtherRegistriesAreIgnored) {
  const std::string json = R"({"auths": {
    "broken.io": {"auth": "!!!"},
    "r.io": )" + auth_entry("u:p") +
                           "}}";
  EXPECT_EQ(lookup(json, "r.io")->username, "u");
}

TEST(DockerConfig, WrongTypesThrow) {
  EXPECT_NE(lookup_error("[]").find("top level is not an object"), std::string::npos);
  EXPECT_NE(lookup_error(R"({"auths": []})").find("\"auths\" is not an object"), std::string::npos);
  EXPECT_NE(lookup_error(auths("r.io", "\"str\""), "r.io").find("is not an object"), std::string::npos);
  EXPECT_NE(lookup_error(auths("r.io", R"({"auth": 5})"), "r.io").find("\"auth\" that is not a string"),
            std::string::npos);
  EXPECT_NE(lookup_error(auths("r.io", R"({"username": true})"), "r.io").find("\"username\""), std::string::npos);
}

TEST(DockerConfig, OtherTopLevelFieldsAreIgnored) {
  const std::string json = R"({"credsStore": "desktop", "credHelpers": {"gcr.io": "gcloud"},
    "auths": {"r.io": )" + auth_entry("u:p") +
                           R"(}, "HttpHeaders": {"User-Agent": "x"}})";
  EXPECT_EQ(lookup(json, "r.io")->password, "p");
}

}  // namespace
}  // namespace ocipush

namespace ocipush {
namespace {

TEST(DockerConfigHelpers, CredHelpersByHostThenCredsStore) {
  const std::string json =
      R"({"credsStore":"desktop","credHelpers":{"https://1.dkr.ecr.eu-west-1.amazonaws.com":"ecr-login"}})";
  EXPECT_EQ(credential_helper_for(json, "1.dkr.ecr.eu-west-1.amazonaws.com", "c"), "ecr-login");
  EXPECT_EQ(credential_helper_for(json, "ghcr.io", "c"), "desktop");
  EXPECT_EQ(credential_helper_for("{}", "ghcr.io", "c"), "");
  EXPECT_THROW(credential_helper_for(R"({"credHelpers":{"ghcr.io":1}})", "ghcr.io", "c"), Error);
}

TEST(DockerConfigHelpers, RegistryTokenIsRead) {
  const auto c = lookup(auths("r.io", R"({"registrytoken":"RT"})"), "r.io");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->registry_token, "RT");
  EXPECT_FALSE(c->empty());
}

TEST(DockerConfigLogin, KeepsOtherKeysAndReplacesOldEntriesForTheHost) {
  const std::string before =
      R"({"auths":{"https://r.io/v1/":{"auth":"b2xkOm9sZA=="},"other.io":{"auth":"eDp5"}},"psFormat":"x"})";
  const auto after = nlohmann::json::parse(docker_config_with_login(before, "r.io", "u", "p", "c"));
  EXPECT_EQ(after["psFormat"], "x");
  EXPECT_EQ(after["auths"].size(), 2u);
  EXPECT_EQ(after["auths"]["r.io"]["auth"], base64_encode("u:p"));
  EXPECT_EQ(after["auths"]["other.io"]["auth"], "eDp5");
  const auto hub = nlohmann::json::parse(docker_config_with_login("", "docker.io", "u", "p", "c"));
  EXPECT_TRUE(hub["auths"].contains("https://index.docker.io/v1/"));
}

}  // namespace
}  // namespace ocipush
