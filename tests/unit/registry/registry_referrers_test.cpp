// The referrers API's pages: `Link: <URL>; rel="next"` parsed from literals, and followed by
// get_referrers (manifests of every page in one index; a single page kept byte for byte).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fakes/fake_http_client.h"
#include "oci_push/registry/link_header.h"
#include "fakes/registry_options.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {
namespace {

using testing::FakeHttpClient;

const Digest kSubject = *Digest::parse("sha256:" + std::string(64, 'b'));

TEST(LinkHeader, FindsTheNextPage) {
  EXPECT_EQ(next_page_link(R"(</v2/app/referrers/sha256:b?n=1&last=x>; rel="next")"),
            "/v2/app/referrers/sha256:b?n=1&last=x");
  EXPECT_EQ(next_page_link(R"(<https://r.example/p2>; rel=next)"), "https://r.example/p2");
  EXPECT_EQ(next_page_link(R"(<a>; rel="prev", <b,c>; title="x, y"; rel="prefetch next")"), "b,c");
  EXPECT_EQ(next_page_link(R"(<a>; REL="Next")"), "a");
}

TEST(LinkHeader, NoNextPage) {
  EXPECT_EQ(next_page_link(""), std::nullopt);
  EXPECT_EQ(next_page_link(R"(<a>; rel="prev")"), std::nullopt);
  EXPECT_EQ(next_page_link(R"(<a>; rel="nextish")"), std::nullopt);
  EXPECT_EQ(next_page_link(R"(a; rel="next")"), std::nullopt);
  EXPECT_EQ(next_page_link(R"(<a; rel="next")"), std::nullopt);
}

std::string index_of(std::initializer_list<char> hexes) {
  nlohmann::json manifests = nlohmann::json::array();
  for (char h : hexes)
    manifests.push_back({{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                         {"digest", "sha256:" + std::string(64, h)},
                         {"size", 10},
                         {"artifactType", "application/example"}});
  return nlohmann::json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
                        {"manifests", manifests}}
      .dump();
}

TEST(RegistryReferrers, FollowsNextPagesIntoOneIndex) {
  FakeHttpClient http;
  http.answer(200, {{"link", "</v2/app/referrers/" + kSubject.str() + "?last=c>; rel=\"next\""}}, index_of({'c'}));
  http.answer(200, {{"link", "<http://127.0.0.1:5000/v2/app/referrers/p3>; rel=\"next\""}}, index_of({'d', 'e'}));
  http.answer(200, {}, index_of({'f'}));
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  auto got = client.get_referrers("app", kSubject);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(http.requests[1].url, "http://127.0.0.1:5000/v2/app/referrers/" + kSubject.str() + "?last=c");
  EXPECT_EQ(http.requests[2].url, "http://127.0.0.1:5000/v2/app/referrers/p3");
  auto merged = nlohmann::json::parse(got->body);
  ASSERT_EQ(merged["manifests"].size(), 4u);
  EXPECT_EQ(merged["manifests"][3]["digest"], "sha256:" + std::string(64, 'f'));
  EXPECT_EQ(got->digest, sha256_of(got->body));
}

TEST(RegistryReferrers, OnePageIsKeptAsServed) {
  FakeHttpClient http;
  const std::string served = index_of({'c'}) + "\n";
  http.answer(200, {}, served);
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  EXPECT_EQ(client.get_referrers("app", kSubject)->body, served);
}

TEST(RegistryReferrers, RefusesPagesOnAnotherHostAndLoops) {
  FakeHttpClient http;
  http.answer(200, {{"link", "<http://elsewhere.example/p2>; rel=\"next\""}}, index_of({'c'}));
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  EXPECT_THROW(client.get_referrers("app", kSubject), Error);
  FakeHttpClient looping;
  const std::string self = "</v2/app/referrers/" + kSubject.str() + ">; rel=\"next\"";
  looping.answer(200, {{"link", self}}, index_of({'c'}));
  looping.answer(200, {{"link", self}}, index_of({'d'}));
  RegistryClient again(looping, "127.0.0.1:5000", testing::plain_http_options());
  EXPECT_THROW(again.get_referrers("app", kSubject), Error);
}

TEST(RegistryReferrers, NoApiIsNoAnswer) {
  FakeHttpClient http;
  http.answer(404);
  RegistryClient client(http, "127.0.0.1:5000", testing::plain_http_options());
  EXPECT_FALSE(client.get_referrers("app", kSubject).has_value());
}

}  // namespace
}  // namespace ocipush
