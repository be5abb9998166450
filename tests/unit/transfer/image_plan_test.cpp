#include "oci_push/transfer/image_plan.h"

#include <gtest/gtest.h>

#include "fakes/error_of.h"
#include "oci_push/transfer/known_layers.h"
#include "transfer/test_images.h"

namespace ocipush {
namespace {

TEST(ImagePlan, ZstdOrUncompressedLayersGoOutAsOciUnlessTold) {
  auto plain = testing::uncompressed_image({"x"});
  EXPECT_EQ(format_for(*plain, std::nullopt, LayerCodec::parse("gzip")), ManifestFormat::Docker);
  EXPECT_EQ(format_for(*plain, std::nullopt, LayerCodec::parse("zstd")), ManifestFormat::Oci);
  EXPECT_EQ(format_for(*plain, std::nullopt, LayerCodec::parse("none")), ManifestFormat::Oci);
  EXPECT_EQ(format_for(*plain, ManifestFormat::Docker, LayerCodec::parse("zstd")), ManifestFormat::Docker);
  EXPECT_EQ(format_for(*testing::gzip_oci_image({"x"}), std::nullopt, LayerCodec::parse("gzip")), ManifestFormat::Oci);
}

TEST(ImagePlan, LayerMediaTypesFollowTheFormatAndTheCodec) {
  auto plain = testing::uncompressed_image({"x"});
  auto oci = testing::gzip_oci_image({"x"});
  EXPECT_EQ(layer_media_type_for(plain->layers[0], ManifestFormat::Docker, false, LayerCodec::parse("gzip")),
            media_type::kDockerLayerGzip);
  EXPECT_EQ(layer_media_type_for(plain->layers[0], ManifestFormat::Oci, true, LayerCodec::parse("zstd")),
            media_type::kOciLayerZstd);
  EXPECT_EQ(layer_media_type_for(oci->layers[0], ManifestFormat::Oci, false, LayerCodec::parse("zstd")),
            media_type::kOciLayerGzip);  // stored compressed: sent as it is
  EXPECT_NE(testing::error_of([&] {
              layer_media_type_for(plain->layers[0], ManifestFormat::Docker, false, LayerCodec::parse("zstd"));
            }).find("use --format oci"),
            std::string::npos);
}

TEST(ImagePlan, TheSourceManifestIsKeptOnlyWhenNothingChanged) {
  auto oci = testing::gzip_oci_image({"x"});
  ManifestResult result;
  result.config.descriptor = {std::string(media_type::kOciConfig), oci->config_digest, oci->config.size(), {}, {}};
  result.layers.push_back({*oci->layers[0].descriptor, oci->layers[0].diff_id, false, false});
  auto kept = build_image_manifest(*oci, ManifestFormat::Oci, result);
  EXPECT_EQ(kept.bytes, *oci->manifest);
  EXPECT_EQ(kept.result.digest, oci->manifest_digest);
  auto converted = build_image_manifest(*oci, ManifestFormat::Docker, result);
  EXPECT_NE(converted.result.digest, oci->manifest_digest);
  EXPECT_EQ(converted.result.media_type, media_type::kDockerManifest);
  EXPECT_EQ(converted.result.digest, sha256_of(converted.bytes));
  EXPECT_EQ(converted.result.size, converted.bytes.size());
}

TEST(KnownLayers, PairsDiffIdsWithLayersOfTheSameCodecOnly) {
  const Digest a = sha256_of("a"), b = sha256_of("b"), ga = sha256_of("gz a"), zb = sha256_of("zstd b");
  ImageManifest m{ManifestFormat::Oci, {}, {}};
  m.layers.push_back({std::string(media_type::kOciLayerGzip), ga, 10, {}, {}});
  m.layers.push_back({std::string(media_type::kOciLayerZstd), zb, 20, {}, {}});
  auto known = pair_known_layers(m, {a, b}, "team/app", LayerCompression::Gzip);
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(known.at(a).descriptor.digest, ga);
  EXPECT_EQ(known.at(a).repository, "team/app");
  EXPECT_TRUE(pair_known_layers(m, {a}, "team/app", LayerCompression::Gzip).empty());  // counts differ
  m.layers[0].media_type = std::string(media_type::kOciNondistributableGzip);
  EXPECT_TRUE(pair_known_layers(m, {a, b}, "team/app", LayerCompression::Gzip).empty());  // foreign
}

}  // namespace
}  // namespace ocipush
