#include "oci_push/registry/auth_challenge.h"

#include <gtest/gtest.h>

namespace ocipush {
namespace {

using Params = std::map<std::string, std::string>;

TEST(AuthChallenge, BasicOnly) {
  const auto c = parse_www_authenticate("Basic");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_TRUE(c[0].params.empty());
}

TEST(AuthChallenge, BasicWithRealm) {
  const auto c = parse_www_authenticate("Basic realm=\"Registry Realm\"");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].params, (Params{{"realm", "Registry Realm"}}));
}

TEST(AuthChallenge, BearerWithRealmServiceScope) {
  const auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params, (Params{{"realm", "https://auth.docker.io/token"},
                                 {"service", "registry.docker.io"},
                                 {"scope", "repository:library/ubuntu:pull,push"}}));
}

TEST(AuthChallenge, SchemeAndKeysAreCaseInsensitive) {
  const auto c = parse_www_authenticate(R"(BEARER Realm="R", SERVICE="S")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params, (Params{{"realm", "R"}, {"service", "S"}}));
}

TEST(AuthChallenge, TwoChallengesInOneHeader) {
  const auto c = parse_www_authenticate(R"(Basic realm="x", Bearer realm="y",service="z")");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].params, (Params{{"realm", "x"}}));
  EXPECT_EQ(c[1].scheme, "bearer");
  EXPECT_EQ(c[1].params, (Params{{"realm", "y"}, {"service", "z"}}));
}

TEST(AuthChallenge, ChallengeWithoutParamsFollowedByAnother) {
  const auto c = parse_www_authenticate("Negotiate, Basic realm=\"r\"");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "negotiate");
  EXPECT_TRUE(c[0].params.empty());
  EXPECT_EQ(c[1].scheme, "basic");
  EXPECT_EQ(c[1].params.at("realm"), "r");
}

TEST(AuthChallenge, QuotedComma) {
  const auto c = parse_www_authenticate(R"(Bearer scope="repository:a:pull,push",realm="r")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params, (Params{{"scope", "repository:a:pull,push"}, {"realm", "r"}}));
}

TEST(AuthChallenge, EscapedQuote) {
  const auto c = parse_www_authenticate(R"(Bearer realm="a \"quoted\" \\ realm",error="insufficient_scope")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params.at("realm"), R"(a "quoted" \ realm)");
  EXPECT_EQ(c[0].params.at("error"), "insufficient_scope");
}

TEST(AuthChallenge, UnquotedValuesAndWhitespace) {
  const auto c = parse_www_authenticate("Bearer   realm = https://x/token ,\tservice=reg ,  ");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params, (Params{{"realm", "https://x/token"}, {"service", "reg"}}));
}

TEST(AuthChallenge, Ecr) {
  const auto c = parse_www_authenticate(
      R"(Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].params, (Params{{"realm", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/"},
                                 {"service", "ecr.amazonaws.com"}}));
}

TEST(AuthChallenge, EcrPublic) {
  const auto c =
      parse_www_authenticate(R"(Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params,
            (Params{{"realm", "https://public.ecr.aws/token/"}, {"service", "public.ecr.aws"}, {"scope", "aws"}}));
}

TEST(AuthChallenge, FirstValueOfARepeatedParameterWins) {
  const auto c = parse_www_authenticate(R"(Bearer realm="a",realm="b")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params.at("realm"), "a");
}

TEST(AuthChallenge, Token68IsNotAParameter) {
  const auto c = parse_www_authenticate("Basic abc123==, Bearer realm=\"r\"");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(c[0].params.empty());
  EXPECT_EQ(c[1].params.at("realm"), "r");
}

TEST(AuthChallenge, EmptyQuotedValueIsKept) {
  const auto c = parse_www_authenticate(R"(Bearer realm="",service="s")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params, (Params{{"realm", ""}, {"service", "s"}}));
}

TEST(AuthChallenge, EmptyHeader) {
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_TRUE(parse_www_authenticate("  , ,").empty());
}

TEST(AuthChallenge, UnterminatedQuoteRunsToTheEnd) {
  const auto c = parse_www_authenticate(R"(Bearer realm="https://x/token, service="s)");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params.at("realm"), "https://x/token, service=");
}

TEST(AuthChallenge, GarbageDoesNotThrow) {
  const char* inputs[] = {"\"",
                          "=",
                          "===",
                          "Bearer =",
                          "Bearer realm=",
                          "@@@, Basic",
                          "\\",
                          "Bearer \"",
                          "Bearer realm=\"x\"junk, service=\"s\"",
                          ",,,=,=\"",
                          "\x01\x02\xff",
                          "a=b c=d",
                          "Bearer realm=\"a\" = \"b\"",
                          "Bearer realm=\"x\\"};
  for (const char* input : inputs) {
    EXPECT_NO_THROW(parse_www_authenticate(input)) << input;
  }
  const auto c = parse_www_authenticate("@@@, Basic realm=\"r\"");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  const auto d = parse_www_authenticate("Bearer realm=\"x\"junk, service=\"s\"");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].params, (Params{{"realm", "x"}, {"service", "s"}}));
}

TEST(AuthChallenge, FuzzishInputsTerminate) {
  const std::string alphabet = "Ba =\",\\ \tr";
  uint32_t x = 7;
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int len = round % 40;
    for (int i = 0; i < len; ++i) {
      x = x * 1664525 + 1013904223;
      s += alphabet[(x >> 16) % alphabet.size()];
    }
    EXPECT_NO_THROW(parse_www_authenticate(s)) << s;
  }
}

}  // namespace
}  // namespace ocipush
