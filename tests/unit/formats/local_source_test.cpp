#include "oci_push/formats/local_source.h"

#include <gtest/gtest.h>

#include "fakes/error_of.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::error_of;

TEST(SourceSpec, TransportPrefixes) {
  auto a = parse_source_spec("oci:/tmp/layout:1.0");
  EXPECT_EQ(a.kind, SourceSpec::Kind::OciLayout);
  EXPECT_EQ(a.path, "/tmp/layout");
  EXPECT_EQ(a.reference, "1.0");
  auto b = parse_source_spec("oci-archive:img.tar");
  EXPECT_EQ(b.kind, SourceSpec::Kind::OciArchive);
  EXPECT_EQ(b.path, "img.tar");
  EXPECT_EQ(b.reference, "");
  auto c = parse_source_spec("docker-archive:img.tar:localhost:5000/app:1");
  EXPECT_EQ(c.kind, SourceSpec::Kind::DockerArchive);
  EXPECT_EQ(c.reference, "localhost:5000/app:1");
  auto d = parse_source_spec("./image.tar");
  EXPECT_EQ(d.kind, SourceSpec::Kind::Auto);
  EXPECT_EQ(d.path, "./image.tar");
  EXPECT_THROW(parse_source_spec("oci:"), UsageError);
}

SourceContents sample() {
  SourceContents s;
  s.name = "bundle.tar";
  Artifact app;
  app.names = {"app:1", "app:latest"};
  Artifact tool;
  tool.tags = {"2.0"};
  s.artifacts = {app, tool};
  return s;
}

TEST(SelectArtifact, ByNameOrBareTag) {
  auto s = sample();
  EXPECT_EQ(select_artifact(s, "app:latest"), 0u);
  EXPECT_EQ(select_artifact(s, "docker.io/library/app:1"), 0u);
  EXPECT_EQ(select_artifact(s, "2.0"), 1u);
}

TEST(SelectArtifact, SeveralNeedAChoice) {
  auto s = sample();
  EXPECT_EQ(error_of([&] { select_artifact(s, ""); }),
            "bundle.tar: holds 2 images (app:1, 2.0); choose one with --image NAME:TAG or --all");
  EXPECT_EQ(error_of([&] { select_artifact(s, "app:9"); }),
            "bundle.tar: no image named \"app:9\" (it holds app:1, 2.0)");
  s.artifacts.resize(1);
  EXPECT_EQ(select_artifact(s, ""), 0u);
}

}  // namespace
}  // namespace ocipush
