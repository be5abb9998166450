#include "oci_push/model/reference.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

const std::string kHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// The UsageError's message, or "" when parsing succeeds.
std::string parse_error(std::string_view text) {
  try {
    parse_reference(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Reference, SingleNameIsDockerHubLibrary) {
  const Reference r = parse_reference("ubuntu");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "library/ubuntu");
  EXPECT_EQ(r.tag, std::nullopt);
  EXPECT_EQ(r.digest, std::nullopt);
  EXPECT_EQ(r.name(), "docker.io/library/ubuntu");
  EXPECT_EQ(r.str(), "docker.io/library/ubuntu");
  EXPECT_EQ(r.api_host(), "registry-1.docker.io");
}

TEST(Reference, TwoComponentsWithoutHostAreDockerHub) {
  const Reference r = parse_reference("team/app:1.0");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "team/app");
  EXPECT_EQ(r.tag, "1.0");
  EXPECT_EQ(r.str(), "docker.io/team/app:1.0");
}

TEST(Reference, ExplicitDockerHubIsNormalised) {
  EXPECT_EQ(parse_reference("docker.io/ubuntu").repository, "library/ubuntu");
  const Reference r = parse_reference("index.docker.io/ubuntu:22.04");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "library/ubuntu");
  EXPECT_EQ(r.api_host(), "registry-1.docker.io");
}

TEST(Reference, RegistryWithPortTagAndDigest) {
  const Reference r = parse_reference("localhost:5000/a/b:1@sha256:" + kHex);
  EXPECT_EQ(r.registry, "localhost:5000");
  EXPECT_EQ(r.repository, "a/b");
  EXPECT_EQ(r.tag, "1");
  EXPECT_EQ(r.digest, "sha256:" + kHex);
  EXPECT_EQ(r.str(), "localhost:5000/a/b:1@sha256:" + kHex);
  EXPECT_EQ(r.name(), "localhost:5000/a/b");
  EXPECT_EQ(r.api_host(), "localhost:5000");
}

TEST(Reference, DigestWithoutTag) {
  const Reference r = parse_reference("quay.io/x/y@sha256:" + kHex);
  EXPECT_EQ(r.registry, "quay.io");
  EXPECT_EQ(r.tag, std::nullopt);
  EXPECT_EQ(r.digest, "sha256:" + kHex);
}

TEST(Reference, PortWithoutTagIsNotATag) {
  const Reference r = parse_reference("registry.example.com:443/app");
  EXPECT_EQ(r.registry, "registry.example.com:443");
  EXPECT_EQ(r.repository, "app");
  EXPECT_EQ(r.tag, std::nullopt);
}

TEST(Reference, BracketedIpv6Registry) {
  const Reference r = parse_reference("[::1]:5000/x");
  EXPECT_EQ(r.registry, "[::1]:5000");
  EXPECT_EQ(r.repository, "x");
  EXPECT_EQ(r.tag, std::nullopt);
  EXPECT_EQ(r.str(), "[::1]:5000/x");

  const Reference r2 = parse_reference("[fe80::1]/x:v2");
  EXPECT_EQ(r2.registry, "[fe80::1]");
  EXPECT_EQ(r2.tag, "v2");
}

TEST(Reference, Ipv4Registry) {
  const Reference r = parse_reference("127.0.0.1:5000/app");
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "app");
}

TEST(Reference, LocalhostWithoutPortIsARegistry) {
  const Reference r = parse_reference("localhost/app");
  EXPECT_EQ(r.registry, "localhost");
  EXPECT_EQ(r.repository, "app");
}

TEST(Reference, HostWithoutDotOrPortIsARepositoryComponent) {
  const Reference r = parse_reference("myhost/app");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "myhost/app");
}

TEST(Reference, RepositorySeparators) {
  EXPECT_EQ(parse_reference("ghcr.io/a.b/c_d/e__f/g-h/i---j").repository, "a.b/c_d/e__f/g-h/i---j");
}

TEST(Reference, UppercaseRepositoryIsRejected) {
  EXPECT_EQ(parse_error("Foo/bar"), "invalid reference \"Foo/bar\": repository name must be lowercase");
  EXPECT_EQ(parse_error("quay.io/Team/app"),
            "invalid reference \"quay.io/Team/app\": repository name must be lowercase");
  // Uppercase is fine in the registry host and the tag.
  EXPECT_EQ(parse_error("Registry.Example.com/app:Latest"), "");
}

TEST(Reference, BadTagIsRejected) {
  EXPECT_NE(parse_error("app:-x").find("invalid tag \"-x\""), std::string::npos);
  EXPECT_NE(parse_error("app:.x").find("invalid tag"), std::string::npos);
  EXPECT_NE(parse_error("app:a!b").find("invalid tag \"a!b\""), std::string::npos);
  EXPECT_NE(parse_error("app:").find("invalid tag \"\""), std::string::npos);
  EXPECT_NE(parse_error("app:" + std::string(129, 'a')).find("invalid tag"), std::string::npos);
  EXPECT_EQ(parse_error("app:" + std::string(128, 'a')), "");
  EXPECT_EQ(parse_error("app:_x.Y-1"), "");
}

TEST(Reference, BadDigestIsRejected) {
  EXPECT_NE(parse_error("app@sha256:abc").find("invalid digest \"sha256:abc\""), std::string::npos);
  EXPECT_NE(parse_error("app@" + kHex).find("invalid digest"), std::string::npos);
  EXPECT_NE(parse_error("app@sha256:" + std::string(64, 'A')).find("invalid digest"), std::string::npos);
  EXPECT_NE(parse_error("app@").find("invalid digest"), std::string::npos);
  EXPECT_NE(parse_error("app@sha256:" + kHex + "@sha256:" + kHex).find("invalid digest"), std::string::npos);
}

TEST(Reference, EmptyIsRejected) { EXPECT_EQ(parse_error(""), "invalid reference \"\": reference is empty"); }

TEST(Reference, MalformedNamesAreRejected) {
  for (const std::string bad :
       {"/app", "app/", "a//b", "a..b", "-a", "a-", "a_", "a___b", "a b", ":tag", "localhost:5000/",
        "localhost:99999/app", "local_host.com/app", "[::1/app", "[zz]:5000/app", "exa mple.com/app", "a/b\n"}) {
    EXPECT_NE(parse_error(bad), "") << bad;
  }
}

TEST(Reference, ErrorMessagesAreOneLineAndQuoteTheInput) {
  const std::string msg = parse_error("app\nx");
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"app\\x0ax\""), std::string::npos) << msg;
}

TEST(Reference, ImageIdIsRejected) { EXPECT_NE(parse_error(kHex), ""); }

TEST(Reference, TooLongNameIsRejected) {
  EXPECT_NE(parse_error("example.com/" + std::string(250, 'a')), "");
  EXPECT_EQ(parse_error("example.com/" + std::string(200, 'a')), "");
}

TEST(Reference, ValidatorsDirectly) {
  EXPECT_TRUE(is_valid_tag("latest"));
  EXPECT_TRUE(is_valid_tag("_"));
  EXPECT_FALSE(is_valid_tag(""));
  EXPECT_FALSE(is_valid_tag("a/b"));
  EXPECT_TRUE(is_valid_repository("library/ubuntu"));
  EXPECT_TRUE(is_valid_repository("a"));
  EXPECT_FALSE(is_valid_repository(""));
  EXPECT_FALSE(is_valid_repository("Library/ubuntu"));
  EXPECT_FALSE(is_valid_repository("a/"));
}

TEST(Reference, HostWithoutPort) {
  EXPECT_EQ(host_without_port("localhost:5000"), "localhost");
  EXPECT_EQ(host_without_port("localhost"), "localhost");
  EXPECT_EQ(host_without_port("[::1]:5000"), "::1");
  EXPECT_EQ(host_without_port("[::1]"), "::1");
  EXPECT_EQ(host_without_port("::1"), "::1");
  EXPECT_EQ(host_without_port("10.0.0.1:80"), "10.0.0.1");
}

TEST(Reference, LoopbackRegistries) {
  for (const char* yes : {"localhost", "localhost:5000", "LOCALHOST:5000", "127.0.0.1", "127.5.6.7:80", "[::1]:5000",
                          "[::1]", "::1", "[0:0:0:0:0:0:0:1]:5000"}) {
    EXPECT_TRUE(is_loopback_registry(yes)) << yes;
  }
  for (const char* no : {"128.0.0.1", "126.255.255.255:5000", "example.com", "localhost.example.com",
                         "127.0.0.1.example.com", "[::2]:5000", "0.0.0.0", "", "docker.io"}) {
    EXPECT_FALSE(is_loopback_registry(no)) << no;
  }
}

}  // namespace
}  // namespace ocipush
