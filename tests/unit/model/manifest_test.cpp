#include "oci_push/model/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "oci_push/model/image_config.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

const Digest kA = *Digest::parse("sha256:" + std::string(64, 'a'));
const Digest kB = *Digest::parse("sha256:" + std::string(64, 'b'));

ImageManifest sample(ManifestFormat format) {
  return {format,
          {std::string(config_media_type(format)), kA, 1234},
          {{std::string(layer_media_type(format, LayerCompression::Gzip)), kB, 99}}};
}

TEST(Manifest, DockerSerialisationHasTopLevelMediaType) {
  auto j = nlohmann::json::parse(serialize_manifest(sample(ManifestFormat::Docker)));
  EXPECT_EQ(j["schemaVersion"], 2);
  EXPECT_EQ(j["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(j["config"]["mediaType"], "application/vnd.docker.container.image.v1+json");
  EXPECT_EQ(j["config"]["digest"], kA.str());
  EXPECT_EQ(j["config"]["size"], 1234);
  EXPECT_EQ(j["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip");
  EXPECT_EQ(j["layers"][0]["size"], 99);
}

TEST(Manifest, OciMediaTypes) {
  auto j = nlohmann::json::parse(serialize_manifest(sample(ManifestFormat::Oci)));
  EXPECT_EQ(j["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(j["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(j["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
}

TEST(Manifest, SerialisationIsStableAndRoundTrips) {
  auto m = sample(ManifestFormat::Oci);
  EXPECT_EQ(serialize_manifest(m), serialize_manifest(m));
  auto back = parse_image_manifest(serialize_manifest(m), "x");
  EXPECT_EQ(back.format, ManifestFormat::Oci);
  EXPECT_EQ(back.config.digest, kA);
  ASSERT_EQ(back.layers.size(), 1u);
  EXPECT_EQ(back.layers[0].digest, kB);
  EXPECT_EQ(back.layers[0].size, 99u);
}

TEST(Manifest, ParseRejectsIndexesAndBrokenDescriptors) {
  EXPECT_THROW(parse_image_manifest(R"({"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})", "x"),
               Error);
  EXPECT_THROW(parse_image_manifest("[]", "x"), Error);
  EXPECT_THROW(parse_image_manifest("{", "x"), Error);
  EXPECT_THROW(parse_image_manifest(R"({"schemaVersion":2,"config":{"mediaType":"a","size":-1,"digest":"sha256:)" +
                                        std::string(64, 'a') + R"("},"layers":[]})",
                                    "x"),
               Error);
  try {
    parse_image_manifest(R"({"config":{"mediaType":"a","size":1,"digest":"md5:x"},"layers":[]})", "reg/app:1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reg/app:1: config: missing or malformed digest"), std::string::npos)
        << e.what();
  }
}

TEST(Manifest, LayerCompressionFromMediaType) {
  EXPECT_EQ(compression_of_layer_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            LayerCompression::Gzip);
  EXPECT_EQ(compression_of_layer_media_type("application/vnd.oci.image.layer.v1.tar+zstd"), LayerCompression::Zstd);
  EXPECT_EQ(compression_of_layer_media_type("application/vnd.oci.image.layer.v1.tar"), LayerCompression::None);
  EXPECT_THROW(compression_of_layer_media_type("application/json"), Error);
}

TEST(ImageConfig, DiffIds) {
  auto ids = parse_diff_ids(R"({"architecture":"amd64","rootfs":{"type":"layers","diff_ids":[")" + kA.str() + R"(",")" +
                                kB.str() + R"("]}})",
                            "c.json");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], kA);
  EXPECT_EQ(ids[1], kB);
}

TEST(ImageConfig, BadConfigsNameTheProblem) {
  auto message = [](const std::string& json) {
    try {
      parse_diff_ids(json, "img.tar: abc.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("nope"), "img.tar: abc.json: image config is not a JSON object");
  EXPECT_EQ(message("{}"), "img.tar: abc.json: image config has no rootfs");
  EXPECT_EQ(message(R"({"rootfs":{}})"), "img.tar: abc.json: image config has no rootfs.diff_ids");
  EXPECT_EQ(message(R"({"rootfs":{"diff_ids":["sha256:12"]}})"),
            "img.tar: abc.json: rootfs.diff_ids[0] is not a valid digest");
}

// An OCI index may leave out its mediaType. Adding it must not disturb the entries being rewritten
// (found by fuzz_image_json: the entries were written through a reference the insertion had moved).
TEST(Manifest, RewriteIndexWithoutMediaTypeAddsItAndRewritesEveryEntry) {
  const std::string index = R"({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:)" +
                            std::string(64, 'c') + R"(", "platform": {"os": "linux", "architecture": "amd64"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 2, "digest": "sha256:)" +
                            std::string(64, 'd') + R"(", "annotations": {"a": "b"}}]})";
  const std::vector<Descriptor> entries{{"application/vnd.docker.distribution.manifest.v2+json", kA, 10, {}, {}},
                                        {"application/vnd.docker.distribution.manifest.v2+json", kB, 20, {}, {}}};
  auto j = nlohmann::json::parse(
      rewrite_image_index(index, "application/vnd.docker.distribution.manifest.list.v2+json", entries));
  EXPECT_EQ(j["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json");
  ASSERT_EQ(j["manifests"].size(), 2u);
  EXPECT_EQ(j["manifests"][0]["digest"], kA.str());
  EXPECT_EQ(j["manifests"][0]["size"], 10);
  EXPECT_EQ(j["manifests"][0]["platform"]["architecture"], "amd64");
  EXPECT_EQ(j["manifests"][1]["digest"], kB.str());
  EXPECT_EQ(j["manifests"][1]["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(j["manifests"][1]["annotations"]["a"], "b");
}

TEST(Manifest, RewriteIndexRefusesEntriesThatAreNotObjects) {
  EXPECT_THROW(rewrite_image_index(R"({"manifests": [1]})", "x", {{"m", kA, 1, {}, {}}}), Error);
  EXPECT_THROW(rewrite_image_index(R"({"manifests": {"a": 1}})", "x", {{"m", kA, 1, {}, {}}}), Error);
  EXPECT_THROW(rewrite_image_index(R"([1])", "x", {}), Error);
}

}  // namespace
}  // namespace ocipush
