#include "oci_push/formats/docker_archive.h"

#include <gtest/gtest.h>

#include "fakes/error_of.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::error_of;

TEST(DockerArchiveManifest, ClassicLayout) {
  auto entries = parse_docker_archive_manifest(
      R"([{"Config":"abc.json","RepoTags":["app:1.0","app:latest"],"Layers":["l1/layer.tar","l2/layer.tar"]}])",
      "i.tar");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].config, "abc.json");
  EXPECT_EQ(entries[0].repo_tags, (std::vector<std::string>{"app:1.0", "app:latest"}));
  EXPECT_EQ(entries[0].layers, (std::vector<std::string>{"l1/layer.tar", "l2/layer.tar"}));
}

TEST(DockerArchiveManifest, NullRepoTagsAndNoLayers) {
  auto entries = parse_docker_archive_manifest(R"([{"Config":"c.json","RepoTags":null,"Layers":[]}])", "i.tar");
  EXPECT_TRUE(entries[0].repo_tags.empty());
  EXPECT_TRUE(entries[0].layers.empty());
}

TEST(DockerArchiveManifest, ErrorsNameTheFileAndImage) {
  EXPECT_EQ(error_of([] { parse_docker_archive_manifest("{", "i.tar"); }), "i.tar: manifest.json: invalid JSON");
  EXPECT_EQ(error_of([] { parse_docker_archive_manifest("{}", "i.tar"); }),
            "i.tar: manifest.json: expected a list of images");
  EXPECT_EQ(error_of([] { parse_docker_archive_manifest("[]", "i.tar"); }), "i.tar: manifest.json: lists no image");
  EXPECT_EQ(error_of([] { parse_docker_archive_manifest(R"([{"Layers":[]}])", "i.tar"); }),
            "i.tar: manifest.json: image 0: missing \"Config\"");
  EXPECT_EQ(error_of([] { parse_docker_archive_manifest(R"([{"Config":"c","Layers":[1]}])", "i.tar"); }),
            "i.tar: manifest.json: image 0: \"Layers\" holds a non-string");
}

TEST(SniffCompression, Magic) {
  EXPECT_EQ(sniff_compression(StringSource(std::string("\x1f\x8b\x08\x00", 4))), LayerCompression::Gzip);
  EXPECT_EQ(sniff_compression(StringSource(std::string("\x28\xb5\x2f\xfd", 4))), LayerCompression::Zstd);
  EXPECT_EQ(sniff_compression(StringSource("usr/")), LayerCompression::None);
  EXPECT_EQ(sniff_compression(StringSource("")), LayerCompression::None);
}

}  // namespace
}  // namespace ocipush
