// JSON built to hurt: nesting deep enough to overflow a recursive walk, malformed documents, absurd
// values. Every parse site refuses it with an Error (one line for the user), never a crash.
#include <gtest/gtest.h>

#include <string>

#include "oci_push/auth/docker_config.h"
#include "oci_push/formats/docker_archive.h"
#include "oci_push/model/image_config.h"
#include "oci_push/model/manifest.h"
#include "oci_push/registry/registry_client.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"

namespace ocipush {
namespace {

std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A manifest whose one annotation value nests `depth` levels: valid JSON, deadly to dump() or a copy.
std::string manifest_with_deep_annotation(size_t depth) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"x":)" +
         nested_arrays(depth) + "}}";
}

TEST(JsonLimits, CountsArraysAndObjectsOutsideStrings) {
  EXPECT_TRUE(json_depth_within("", 0));
  EXPECT_TRUE(json_depth_within("[[{}]]", 3));
  EXPECT_FALSE(json_depth_within("[[{}]]", 2));
  EXPECT_TRUE(json_depth_within(R"(["[[[[", "\"[[[["])", 1));  // brackets and escaped quotes inside strings
  EXPECT_FALSE(json_depth_within(R"(["\\", [[]]])", 2));       // an escaped backslash ends the escape
  EXPECT_TRUE(json_depth_within("]]]]]][]", 1));               // stray closers do not go negative
  EXPECT_TRUE(json_depth_within(nested_arrays(kMaxJsonDepth)));
  EXPECT_FALSE(json_depth_within(nested_arrays(kMaxJsonDepth + 1)));
}

TEST(JsonLimits, BoundedParseDiscardsTooDeepAndMalformed) {
  EXPECT_TRUE(parse_json_bounded(nested_arrays(100000)).is_discarded());
  EXPECT_TRUE(parse_json_bounded(R"({"a":)").is_discarded());
  EXPECT_EQ(parse_json_bounded(R"({"a":[1,{"b":2}]})")["a"][1]["b"], 2);
}

TEST(HostileJson, DeepNestingIsRefusedByEveryImageParser) {
  for (const std::string& text :
       {nested_arrays(100000), manifest_with_deep_annotation(100000), std::string(100000, '{')}) {
    EXPECT_THROW(parse_image_manifest(text, "m"), Error);
    EXPECT_THROW(parse_image_index(text, "i"), Error);
    EXPECT_THROW(parse_diff_ids(text, "c"), Error);
    EXPECT_THROW(parse_docker_archive_manifest(text, "a.tar"), Error);
    EXPECT_THROW(document_media_type(text, "d"), Error);
    EXPECT_THROW(parse_descriptor_json(text, "desc"), Error);
    EXPECT_THROW(rewrite_image_index(text, std::string(media_type::kOciIndex), {}), Error);
    EXPECT_THROW(lookup_docker_config(text, "r.example", "config.json"), Error);
  }
}

TEST(HostileJson, DeepNestingMessageNamesTheFile) {
  try {
    parse_docker_archive_manifest(nested_arrays(100000), "evil.tar");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "evil.tar: manifest.json: invalid JSON");
  }
  try {
    lookup_docker_config(nested_arrays(300), "r.example", "config.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "config.json: invalid JSON: nested deeper than 256 levels");
  }
}

TEST(HostileJson, RegistryErrorBodyTooDeepIsShownAsShortText) {
  // Not parsed: shown as the plain-text body would be, its first 200 characters.
  const std::string body = R"({"errors":)" + nested_arrays(100000) + "}";
  EXPECT_EQ(describe_registry_error(500, body), "HTTP 500: " + body.substr(0, 200));
}

TEST(HostileJson, MalformedAndAbsurdManifestFields) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  const std::string head = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)";
  for (const std::string& config :
       {R"({"mediaType":"application/vnd.oci.image.config.v1+json","size":-1,"digest":")" + digest + "\"}",
        R"({"mediaType":"application/vnd.oci.image.config.v1+json","size":1e300,"digest":")" + digest + "\"}",
        R"({"mediaType":"application/vnd.oci.image.config.v1+json","size":"7","digest":")" + digest + "\"}",
        std::string(R"({"mediaType":"application/vnd.oci.image.config.v1+json","size":7,"digest":12})"),
        std::string(R"({"mediaType":"application/vnd.oci.image.config.v1+json","size":7,"digest":"sha256:zz"})"),
        std::string(R"([1,2,3])"), std::string("null")}) {
    const std::string text = head + R"("config":)" + config + R"(,"layers":[]})";
    EXPECT_THROW(parse_image_manifest(text, "m"), Error) << text;
  }
  EXPECT_THROW(parse_image_manifest(head + R"("config":{"mediaType":"x","size":7,"digest":")" + digest +
                                        R"("},"layers":{"not":"a list"}})",
                                    "m"),
               Error);
  EXPECT_THROW(parse_image_manifest(head, "m"), Error);  // truncated
  EXPECT_THROW(parse_image_manifest(std::string("\xff\xfe{}", 4), "m"), Error);
}

}  // namespace
}  // namespace ocipush
