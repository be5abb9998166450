// build_image: Dockerfiles built on in-memory bases from a fake resolver, from a temporary build context.
#include "oci_push/build/build_engine.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/error_of.h"
#include "fakes/scratch.h"
#include "oci_push/build/config_edits.h"
#include "oci_push/build/dockerfile.h"
#include "oci_push/model/digest.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::error_of;

const Digest kBaseDiffId{"sha256", std::string(64, 'b')};
const Digest kBaseDigest{"sha256", std::string(64, 'd')};

std::shared_ptr<const Image> base_image(const std::string& arch) {
  auto image = std::make_shared<Image>();
  json config = {{"os", "linux"},
                 {"architecture", arch},
                 {"config", {{"Env", {"PATH=/usr/bin"}}, {"Cmd", {"sh"}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", {kBaseDiffId.str()}}}},
                 {"history", {{{"created_by", "base layer"}}}}};
  image->source_name = "fake registry";
  image->config = config.dump();
  image->config_digest = sha256_of(image->config);
  image->config_media_type = "application/vnd.oci.image.config.v1+json";
  image->native_format = ManifestFormat::Oci;
  Layer layer;
  layer.name = "base layer " + arch;
  layer.diff_id = kBaseDiffId;
  layer.stored_compression = LayerCompression::Gzip;
  layer.descriptor = Descriptor{"application/vnd.oci.image.layer.v1.tar+gzip", Digest{"sha256", std::string(64, 'c')}, 100, {}, {}};
  image->layers.push_back(layer);
  return image;
}

Digest hash_source(const ByteSource& source) {
  Sha256 h;
  std::string buf(4096, '\0');
  for (uint64_t at = 0; at < source.size();) {
    const size_t n = source.read_at(at, buf.data(), buf.size());
    if (n == 0) throw Error("short read");
    h.update(buf.data(), n);
    at += n;
  }
  return h.finish();
}

struct TarFile {
  unsigned type = 0;
  uint64_t uid = 0;
  uint64_t gid = 0;
  unsigned mode = 0;
  int64_t mtime = 0;
  std::string data;
};

std::map<std::string, TarFile> read_layer(const Layer& layer) {
  std::map<std::string, TarFile> out;
  EXPECT_NE(layer.bytes, nullptr);
  if (!layer.bytes) return out;
  const std::string tar = read_all(*layer.bytes, 1 << 24);
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarFile f;
    f.type = archive_entry_filetype(e);
    f.uid = static_cast<uint64_t>(archive_entry_uid(e));
    f.gid = static_cast<uint64_t>(archive_entry_gid(e));
    f.mode = archive_entry_perm(e);
    f.mtime = archive_entry_mtime(e);
    f.data.resize(static_cast<size_t>(archive_entry_size(e)));
    if (!f.data.empty()) archive_read_data(a, f.data.data(), f.data.size());
    out[archive_entry_pathname(e)] = std::move(f);
  }
  archive_read_free(a);
  return out;
}

class BuildEngine : public ::testing::Test {
 protected:
  testing::ScratchDir scratch{"build_engine_test"};
  std::vector<std::string> resolved;
  bool two_platforms = false;

  void SetUp() override {
    std::ofstream(scratch.dir / "a.txt") << "A";
    std::ofstream(scratch.dir / "b.txt") << "BB";
  }

  BaseResolver resolver() {
    return [this](const std::string& reference) {
      resolved.push_back(reference);
      if (!reference.starts_with("base")) throw Error(reference + ": no such image");
      BaseImage b;
      b.name = "registry.example/" + reference;
      b.digest = kBaseDigest;
      b.images.push_back(base_image("amd64"));
      b.platforms.push_back({"linux", "amd64", ""});
      if (two_platforms) {
        b.images.push_back(base_image("arm64"));
        b.platforms.push_back({"linux", "arm64", "v8"});
        b.index = std::make_shared<Index>();
      }
      return b;
    };
  }

  BuildRequest request(const std::string& dockerfile) const {
    BuildRequest r;
    r.dockerfile = parse_dockerfile(dockerfile, "Dockerfile");
    r.file_name = "Dockerfile";
    r.context = {scratch.dir.string(), [](auto&) { return false; }};
    r.host_platform = {"linux", "amd64", ""};
    return r;
  }

  BuildOutcome build(const BuildRequest& r) { return build_image(r, resolver(), hash_source); }

  static json config_of(const Artifact& a) {
    EXPECT_NE(a.image, nullptr);
    return a.image ? json::parse(a.image->config) : json();
  }
};

TEST_F(BuildEngine, RunIsRefusedBeforeAnyBaseIsRead) {
  const std::string message = error_of([&] { build(request("FROM base\nRUN echo hi\n")); });
  EXPECT_NE(message.find("Dockerfile:2"), std::string::npos) << message;
  EXPECT_NE(message.find("without running commands"), std::string::npos) << message;
  EXPECT_TRUE(resolved.empty());
}

TEST_F(BuildEngine, MetadataInstructionsLandInTheConfig) {
  auto r = request(
      "FROM base\n"
      "ENV A=1 B=\"two words\"\n"
      "LABEL org.example.kind=test\n"
      "WORKDIR /app\n"
      "WORKDIR sub\n"
      "USER app:app\n"
      "EXPOSE 80 53/udp\n"
      "VOLUME [\"/data\"]\n"
      "STOPSIGNAL SIGINT\n"
      "ENTRYPOINT [\"/bin/app\"]\n"
      "CMD [\"--serve\"]\n");
  r.epoch = 1700000000;
  auto outcome = build(r);
  EXPECT_EQ(outcome.new_layers, 0u);
  const json config = config_of(outcome.artifact);
  const json& c = config["config"];
  EXPECT_EQ(c["Env"], (json{"PATH=/usr/bin", "A=1", "B=two words"}));
  EXPECT_EQ(c["Labels"], (json{{"org.example.kind", "test"}}));
  EXPECT_EQ(c["WorkingDir"], "/app/sub");
  EXPECT_EQ(c["User"], "app:app");
  EXPECT_EQ(c["ExposedPorts"], (json{{"80/tcp", json::object()}, {"53/udp", json::object()}}));
  EXPECT_EQ(c["Volumes"], (json{{"/data", json::object()}}));
  EXPECT_EQ(c["StopSignal"], "SIGINT");
  EXPECT_EQ(c["Entrypoint"], (json{"/bin/app"}));
  EXPECT_EQ(c["Cmd"], (json{"--serve"}));
  EXPECT_EQ(config["created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(config["rootfs"]["diff_ids"], (json{kBaseDiffId.str()}));
  // The base's history, then one entry per instruction, every one without a layer.
  ASSERT_EQ(config["history"].size(), 11u);
  EXPECT_EQ(config["history"][0]["created_by"], "base layer");
  for (size_t k = 1; k < 11; ++k) {
    EXPECT_EQ(config["history"][k]["empty_layer"], true) << k;
    EXPECT_EQ(config["history"][k]["created"], "2023-11-14T22:13:20Z") << k;
  }
  EXPECT_EQ(config["history"][1]["created_by"], "ENV A=1 B=\"two words\"");
  ASSERT_EQ(outcome.artifact.image->layers.size(), 1u);
  EXPECT_EQ(outcome.artifact.image->layers[0].stored_compression, LayerCompression::Gzip);
}

TEST_F(BuildEngine, EntrypointResetsAnInheritedCmdOnly) {
  json c = config_of(build(request("FROM base\nENTRYPOINT [\"/e\"]\n")).artifact)["config"];
  EXPECT_EQ(c["Entrypoint"], (json{"/e"}));
  EXPECT_TRUE(!c.contains("Cmd") || c["Cmd"].is_null()) << c.dump();
  c = config_of(build(request("FROM base\nCMD [\"c\"]\nENTRYPOINT [\"/e\"]\n")).artifact)["config"];
  EXPECT_EQ(c["Cmd"], (json{"c"}));
  c = config_of(build(request("FROM base\nENV X=1\n")).artifact)["config"];
  EXPECT_EQ(c["Cmd"], (json{"sh"}));
}

TEST_F(BuildEngine, ArgBeforeFromIsUsableInFrom) {
  build(request("ARG TAG=1\nFROM base:$TAG\n"));
  EXPECT_EQ(resolved, (std::vector<std::string>{"base:1"}));
  resolved.clear();
  auto r = request("ARG TAG=1\nFROM base:${TAG}\n");
  r.build_args = {{"TAG", "2"}};
  auto outcome = build(r);
  EXPECT_EQ(resolved, (std::vector<std::string>{"base:2"}));
  EXPECT_EQ(outcome.artifact.image->manifest_annotations.at("org.opencontainers.image.base.name"),
            "registry.example/base:2");
}

TEST_F(BuildEngine, BuildArgOverridesAStageArg) {
  auto r = request("FROM base\nARG V=default\nENV OUT=$V\n");
  EXPECT_EQ(config_of(build(r).artifact)["config"]["Env"][1], "OUT=default");
  r.build_args = {{"V", "given"}};
  EXPECT_EQ(config_of(build(r).artifact)["config"]["Env"][1], "OUT=given");
}

TEST_F(BuildEngine, UnknownBaseIsTheResolversError) {
  const std::string message = error_of([&] { build(request("FROM nothing\n")); });
  EXPECT_NE(message.find("nothing: no such image"), std::string::npos) << message;
}

TEST_F(BuildEngine, CopyAddsOneLayer) {
  auto r = request("FROM base\nENV X=1\nCOPY a.txt /app/a.txt\nLABEL l=v\n");
  r.epoch = 1700000000;
  auto outcome = build(r);
  EXPECT_EQ(outcome.new_layers, 1u);
  const Image& image = *outcome.artifact.image;
  ASSERT_EQ(image.layers.size(), 2u);
  const Layer& added = image.layers[1];
  ASSERT_NE(added.bytes, nullptr);
  EXPECT_EQ(added.stored_compression, LayerCompression::None);
  EXPECT_EQ(added.diff_id, hash_source(*added.bytes));
  const json config = json::parse(image.config);
  EXPECT_EQ(config["rootfs"]["diff_ids"], (json{kBaseDiffId.str(), added.diff_id.str()}));
  EXPECT_EQ(image.config_digest, sha256_of(image.config));
  ASSERT_EQ(config["history"].size(), 4u);
  EXPECT_EQ(config["history"][1]["empty_layer"], true);
  EXPECT_FALSE(config["history"][2].contains("empty_layer"));
  EXPECT_EQ(config["history"][2]["created_by"], "COPY a.txt /app/a.txt");
  EXPECT_EQ(config["history"][2]["created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(config["history"][3]["empty_layer"], true);
  const auto files = read_layer(added);
  ASSERT_EQ(files.count("app/a.txt"), 1u);
  EXPECT_EQ(files.at("app/a.txt").data, "A");
  EXPECT_EQ(files.at("app/a.txt").mtime, 1700000000);
  EXPECT_EQ(files.count("app/"), 0u);  // on a base image the parents above a destination are left out
  EXPECT_EQ(image.manifest_annotations.at("org.opencontainers.image.base.name"), "registry.example/base");
  EXPECT_EQ(image.manifest_annotations.at("org.opencontainers.image.base.digest"), kBaseDigest.str());
}

TEST_F(BuildEngine, ChownedCopyMakesItsDirectoryOwned) {
  // docs/build.md: "The directory a COPY copies into with --chown is an entry owned by that user".
  auto outcome = build(request("FROM base\nCOPY --chown=5:6 a.txt /app/\n"));
  const auto files = read_layer(outcome.artifact.image->layers.back());
  ASSERT_EQ(files.count("app/a.txt"), 1u);
  EXPECT_EQ(files.at("app/a.txt").uid, 5u);
  EXPECT_EQ(files.at("app/a.txt").gid, 6u);
  ASSERT_EQ(files.count("app/"), 1u);
  EXPECT_EQ(files.at("app/").uid, 5u);
  EXPECT_EQ(files.at("app/").gid, 6u);
}

TEST_F(BuildEngine, ScratchGetsTheHostPlatformAndEveryParent) {
  auto outcome = build(request("FROM scratch\nCOPY a.txt /app/a.txt\n"));
  EXPECT_TRUE(resolved.empty());
  ASSERT_NE(outcome.artifact.image, nullptr);
  EXPECT_EQ(outcome.artifact.index, nullptr);
  const json config = config_of(outcome.artifact);
  EXPECT_EQ(config["os"], "linux");
  EXPECT_EQ(config["architecture"], "amd64");
  EXPECT_EQ(config["created"], "1970-01-01T00:00:00Z");
  EXPECT_TRUE(outcome.artifact.image->manifest_annotations.empty());
  ASSERT_EQ(outcome.artifact.image->layers.size(), 1u);
  const auto files = read_layer(outcome.artifact.image->layers[0]);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files.at("app/").type, static_cast<unsigned>(AE_IFDIR));
  EXPECT_EQ(files.at("app/").mode, 0755u);
  EXPECT_EQ(files.at("app/a.txt").data, "A");
}

TEST_F(BuildEngine, CopyFromAnEarlierStage) {
  auto outcome = build(request(
      "FROM scratch AS b\n"
      "COPY a.txt /x\n"
      "FROM base\n"
      "COPY --from=b /x /y\n"));
  EXPECT_EQ(resolved, (std::vector<std::string>{"base"}));
  const Image& image = *outcome.artifact.image;
  ASSERT_EQ(image.layers.size(), 2u);
  const auto files = read_layer(image.layers[1]);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files.at("y").data, "A");
}

TEST_F(BuildEngine, TwoPlatformsShareTheNewLayer) {
  two_platforms = true;
  auto outcome = build(request("FROM base\nCOPY a.txt /a.txt\n"));
  ASSERT_NE(outcome.artifact.index, nullptr);
  EXPECT_EQ(outcome.new_layers, 1u);
  const auto& children = outcome.artifact.index->children;
  ASSERT_EQ(children.size(), 2u);
  ASSERT_TRUE(children[0].platform && children[1].platform);
  EXPECT_EQ(children[0].platform->architecture, "amd64");
  EXPECT_EQ(children[1].platform->architecture, "arm64");
  EXPECT_EQ(json::parse(children[1].image->config)["architecture"], "arm64");
  const Layer& first = children[0].image->layers.back();
  const Layer& second = children[1].image->layers.back();
  EXPECT_EQ(first.diff_id, second.diff_id);
  EXPECT_EQ(first.bytes, second.bytes);  // one tar, made once
  EXPECT_EQ(json::parse(outcome.artifact.index->bytes)["manifests"].size(), 2u);
}

TEST_F(BuildEngine, PlatformsNarrowToOne) {
  two_platforms = true;
  auto r = request("FROM base\nCOPY a.txt /a.txt\n");
  r.platforms = {Platform{"linux", "arm64", ""}};
  auto outcome = build(r);
  std::vector<const Artifact*> images;
  if (outcome.artifact.index)
    for (const auto& c : outcome.artifact.index->children) images.push_back(&c);
  else
    images.push_back(&outcome.artifact);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(json::parse(images[0]->image->config)["architecture"], "arm64");
}

TEST_F(BuildEngine, SameInputsGiveTheSameConfigDigest) {
  const std::string text = "FROM base\nENV A=1\nCOPY a.txt b.txt /app/\nCMD [\"x\"]\n";
  auto first = build(request(text));
  auto second = build(request(text));
  EXPECT_EQ(first.artifact.image->config_digest, second.artifact.image->config_digest);
  EXPECT_EQ(first.artifact.image->layers.back().diff_id, second.artifact.image->layers.back().diff_id);
  std::ofstream(scratch.dir / "a.txt") << "changed";
  auto third = build(request(text));
  EXPECT_NE(third.artifact.image->config_digest, first.artifact.image->config_digest);
}

}  // namespace
}  // namespace ocipush

namespace ocipush {
namespace {

TEST_F(BuildEngine, TargetBuildsThatStageOnlyAndLabelsAndAnnotationsLand) {
  auto r = request(
      "FROM scratch AS first\n"
      "COPY a.txt /a\n"
      "FROM base AS second\n"
      "COPY b.txt /b\n");
  r.target = "FIRST";  // stage names are case-insensitive
  r.labels = {{"team", "infra"}};
  r.annotations = {{"org.example.note", "hi"}};
  auto outcome = build(r);
  EXPECT_TRUE(resolved.empty()) << "the unused stage's base is not read";
  const json config = config_of(outcome.artifact);
  EXPECT_EQ(config["config"]["Labels"]["team"], "infra");
  EXPECT_EQ(outcome.artifact.image->manifest_annotations.at("org.example.note"), "hi");
  EXPECT_EQ(outcome.artifact.image->layers.size(), 1u);
  r.target = "third";
  const std::string message = error_of([&] { build(r); });
  EXPECT_NE(message.find("no such stage"), std::string::npos) << message;
  EXPECT_NE(message.find("first, second"), std::string::npos) << message;
}

TEST_F(BuildEngine, BaseOnbuildTriggersRunOnceAndRunInThemIsRefused) {
  auto outcome = build(request(
      "FROM scratch AS parent\n"
      "ONBUILD ENV FROM_TRIGGER=1\n"
      "FROM parent\n"
      "ENV AFTER=1\n"));
  const json config = config_of(outcome.artifact);
  const auto env = config["config"]["Env"].get<std::vector<std::string>>();
  EXPECT_EQ(env, (std::vector<std::string>{"FROM_TRIGGER=1", "AFTER=1"}));
  EXPECT_FALSE(config["config"].contains("OnBuild")) << "triggers run once, in the child";
  const std::string message = error_of([&] {
    build(request("FROM scratch AS parent\nONBUILD RUN make\nFROM parent\n"));
  });
  EXPECT_NE(message.find("Dockerfile:3"), std::string::npos) << message;
  EXPECT_NE(message.find("ONBUILD"), std::string::npos) << message;
}

}  // namespace
}  // namespace ocipush
