// What `oci-push inspect` prints (src/cli/inspection_format.cpp), text and JSON.
#include "oci_push/cli/inspection_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ocipush {
namespace {

Digest d(char c) { return *Digest::parse("sha256:" + std::string(64, c)); }

SourceContents sample() {
  auto image = std::make_shared<Image>();
  image->config = "{}";
  image->config_digest = d('c');
  image->config_media_type = "application/vnd.oci.image.config.v1+json";
  image->native_format = ManifestFormat::Oci;
  image->manifest = "{...}";
  image->manifest_digest = d('a');
  Layer gz;
  gz.stored_compression = LayerCompression::Gzip;
  gz.diff_id = d('1');
  gz.descriptor = Descriptor{"application/vnd.oci.image.layer.v1.tar+gzip", d('2'), 77, {}, {}};
  image->layers.push_back(gz);
  auto index = std::make_shared<Index>();
  index->media_type = "application/vnd.oci.image.index.v1+json";
  index->digest = d('b');
  Artifact child;
  child.image = image;
  child.platform = Platform{"linux", "arm64", ""};
  index->children.push_back(child);
  Artifact top;
  top.index = index;
  top.names = {"app:1.0"};
  SourceContents s;
  s.name = "layout";
  s.kind = "oci-layout";
  s.artifacts = {top};
  return s;
}

TEST(Inspect, JsonDescribesIndexesImagesAndLayers) {
  auto j = nlohmann::json::parse(format_inspection(sample(), true));
  EXPECT_EQ(j["kind"], "oci-layout");
  const auto& top = j["artifacts"][0];
  EXPECT_EQ(top["type"], "index");
  EXPECT_EQ(top["names"][0], "app:1.0");
  EXPECT_EQ(top["digest"], d('b').str());
  const auto& image = top["images"][0];
  EXPECT_EQ(image["type"], "image");
  EXPECT_EQ(image["platform"], "linux/arm64");
  EXPECT_EQ(image["digest"], d('a').str());
  EXPECT_EQ(image["config"]["digest"], d('c').str());
  EXPECT_EQ(image["layers"][0]["digest"], d('2').str());
  EXPECT_EQ(image["layers"][0]["size"], 77);
  EXPECT_EQ(image["layers"][0]["compression"], "gzip");
  EXPECT_EQ(image["layers"][0]["diffId"], d('1').str());
}

TEST(Inspect, TextNamesEveryLevel) {
  auto text = format_inspection(sample(), false);
  EXPECT_NE(text.find("layout: oci-layout"), std::string::npos) << text;
  EXPECT_NE(text.find("index app:1.0 " + d('b').str()), std::string::npos) << text;
  EXPECT_NE(text.find("  image [linux/arm64] " + d('a').str()), std::string::npos) << text;
  EXPECT_NE(text.find("layer 1 " + d('2').str() + " 77 B gzip diff_id " + d('1').str()), std::string::npos) << text;
}

}  // namespace
}  // namespace ocipush
