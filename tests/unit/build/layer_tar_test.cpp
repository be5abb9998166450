// normalize_layer and compose_layer_tar: a build's layer entries sorted and completed, then laid out as a tar
// that reads files from disk in place (ComposedSource).
#include "oci_push/build/layer_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fakes/libarchive_reader.h"
#include "fakes/scratch.h"
#include "oci_push/build/composed_source.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using Kind = LayerEntry::Kind;

LayerEntry entry(std::string path, Kind kind = Kind::File, std::string data = "") {
  LayerEntry e;
  e.path = std::move(path);
  e.kind = kind;
  e.mode = kind == Kind::Directory ? 0755 : 0644;
  e.data = std::move(data);
  return e;
}

std::vector<std::string> paths_of(const std::vector<LayerEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.path);
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST(LayerTar, NormalizeSortsBytewise) {
  ParentPolicy none;
  none.all = false;
  auto out = normalize_layer({entry("b"), entry("B"), entry("a-b"), entry("a"), entry("a.b"), entry("\xc3\xa9")}, none);
  EXPECT_EQ(paths_of(out), (std::vector<std::string>{"B", "a", "a-b", "a.b", "b", "\xc3\xa9"}));
}

TEST(LayerTar, LaterEntryForTheSamePathWins) {
  ParentPolicy none;
  none.all = false;
  auto out = normalize_layer({entry("x", Kind::File, "first"), entry("y"), entry("x", Kind::File, "second")}, none);
  ASSERT_EQ(paths_of(out), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(out[0].data, "second");
}

TEST(LayerTar, AllParentsAreAddedWithThePolicysOwnerAndTime) {
  ParentPolicy all;
  all.uid = 7;
  all.gid = 8;
  all.mtime = 1700000000;
  auto out = normalize_layer({entry("usr/local/bin/tool"), entry("etc/conf")}, all);
  ASSERT_EQ(paths_of(out),
            (std::vector<std::string>{"etc", "etc/conf", "usr", "usr/local", "usr/local/bin", "usr/local/bin/tool"}));
  for (size_t k : {0u, 2u, 3u, 4u}) {
    EXPECT_EQ(out[k].kind, Kind::Directory) << out[k].path;
    EXPECT_EQ(out[k].mode, 0755u) << out[k].path;
    EXPECT_EQ(out[k].uid, 7u) << out[k].path;
    EXPECT_EQ(out[k].gid, 8u) << out[k].path;
    EXPECT_EQ(out[k].mtime, 1700000000) << out[k].path;
  }
  EXPECT_EQ(out[1].kind, Kind::File);
}

TEST(LayerTar, ExistingParentsAreNotRepeatedAndGivenOnesAreKept) {
  ParentPolicy all;
  all.existing = {"usr", "usr/local"};
  LayerEntry own = entry("usr/local/bin", Kind::Directory);
  own.mode = 0700;
  auto out = normalize_layer({entry("usr/local/bin/tool"), own}, all);
  ASSERT_EQ(paths_of(out), (std::vector<std::string>{"usr/local/bin", "usr/local/bin/tool"}));
  EXPECT_EQ(out[0].mode, 0700u);
}

TEST(LayerTar, NoParentsWhenNotAll) {
  ParentPolicy none;
  none.all = false;
  auto out = normalize_layer({entry("a/b/c")}, none);
  EXPECT_EQ(paths_of(out), (std::vector<std::string>{"a/b/c"}));
}

TEST(LayerTar, SecondFileOfOneInodeBecomesAHardlink) {
  ParentPolicy none;
  none.all = false;
  LayerEntry a = entry("z/first");
  a.file = PlannedFile{"/tmp/whatever", 4, 11, 22, "id"};
  LayerEntry b = entry("a/second");
  b.file = PlannedFile{"/tmp/whatever2", 4, 11, 22, "id"};
  LayerEntry c = entry("m/other");
  c.file = PlannedFile{"/tmp/other", 4, 11, 23, "id2"};
  auto out = normalize_layer({a, b, c}, none);
  ASSERT_EQ(paths_of(out), (std::vector<std::string>{"a/second", "m/other", "z/first"}));
  // The first in the layer's order keeps the data; the later one links to it.
  EXPECT_EQ(out[0].kind, Kind::File);
  ASSERT_TRUE(out[0].file.has_value());
  EXPECT_EQ(out[1].kind, Kind::File);
  EXPECT_EQ(out[2].kind, Kind::Hardlink);
  EXPECT_EQ(out[2].link_target, "a/second");
  EXPECT_FALSE(out[2].file.has_value());
}


// The whole source, read in `chunk`-byte pieces (so reads cross the boundaries of its pieces).
std::string read_in_chunks(const ByteSource& source, size_t chunk) {
  std::string out;
  std::string buf(chunk, '\0');
  for (uint64_t at = 0; at < source.size();) {
    const size_t n = source.read_at(at, buf.data(), chunk);
    EXPECT_GT(n, 0u);
    if (n == 0) break;
    out.append(buf.data(), n);
    at += n;
  }
  char extra = 0;
  EXPECT_EQ(source.read_at(source.size(), &extra, 1), 0u);
  return out;
}

class LayerTarFiles : public ::testing::Test {
 protected:
  testing::ScratchDir scratch{"layer_tar_test"};
  std::string path(const std::string& name) const { return (scratch.dir / name).string(); }

  LayerEntry file_entry(const std::string& name, const std::string& in_layer, unsigned mode, int64_t mtime) {
    LayerEntry e = entry(in_layer);
    e.mode = mode;
    e.mtime = mtime;
    e.file = plan_file(path(name));
    return e;
  }

  std::vector<LayerEntry> planned() {
    ParentPolicy all;
    all.mtime = 1600000000;
    std::vector<LayerEntry> entries{file_entry("big", "app/big.bin", 0755, 1700000000),
                                    file_entry("small", "app/small.txt", 0644, 1700000001)};
    LayerEntry inline_file = entry("app/inline", Kind::File, "held in memory");
    inline_file.mtime = 5;
    LayerEntry link = entry("app/link", Kind::Symlink);
    link.link_target = "small.txt";
    link.mode = 0777;
    entries.push_back(inline_file);
    entries.push_back(link);
    entries.push_back(file_entry("empty", "app/empty", 0600, 9));
    return normalize_layer(entries, all);
  }

  void SetUp() override {
    big_ = testing::noise(3000, 1);
    write_file(path("big"), big_);
    write_file(path("small"), "small");
    write_file(path("empty"), "");
  }
  std::string big_;
};

TEST_F(LayerTarFiles, ComposedTarReadsBackWithLibarchive) {
  auto tar = compose_layer_tar(planned(), "layer");
  EXPECT_EQ(tar->name(), "layer");
  const std::string bytes = read_in_chunks(*tar, 1000);
  ASSERT_EQ(bytes.size(), tar->size());
  EXPECT_EQ(tar->size() % 512, 0u);
  ASSERT_GE(bytes.size(), 1024u);
  EXPECT_EQ(bytes.substr(bytes.size() - 1024), std::string(1024, '\0'));
  EXPECT_EQ(read_in_chunks(*tar, 7), bytes);  // any chunk size gives the same bytes

  const auto read = read_with_libarchive(bytes);
  ASSERT_EQ(read.size(), 6u);
  EXPECT_EQ(read[0].path, "app/");
  EXPECT_EQ(read[0].type, static_cast<unsigned>(AE_IFDIR));
  EXPECT_EQ(read[0].mode, 0755u);
  EXPECT_EQ(read[0].mtime, 1600000000);
  EXPECT_EQ(read[1].path, "app/big.bin");
  EXPECT_EQ(read[1].type, static_cast<unsigned>(AE_IFREG));
  EXPECT_EQ(read[1].mode, 0755u);
  EXPECT_EQ(read[1].mtime, 1700000000);
  EXPECT_EQ(read[1].data, big_);
  EXPECT_EQ(read[2].path, "app/empty");
  EXPECT_EQ(read[2].data, "");
  EXPECT_EQ(read[2].mode, 0600u);
  EXPECT_EQ(read[3].path, "app/inline");
  EXPECT_EQ(read[3].data, "held in memory");
  EXPECT_EQ(read[3].mtime, 5);
  EXPECT_EQ(read[4].path, "app/link");
  EXPECT_EQ(read[4].type, static_cast<unsigned>(AE_IFLNK));
  EXPECT_EQ(read[4].link, "small.txt");
  EXPECT_EQ(read[5].path, "app/small.txt");
  EXPECT_EQ(read[5].data, "small");
  EXPECT_EQ(read[5].mtime, 1700000001);
}

TEST_F(LayerTarFiles, HardlinkedFileIsStoredOnce) {
  ASSERT_EQ(::link(path("small").c_str(), path("small2").c_str()), 0);
  ParentPolicy none;
  none.all = false;
  auto entries = normalize_layer({file_entry("small2", "b", 0644, 0), file_entry("small", "a", 0644, 0)}, none);
  const auto read = read_with_libarchive(read_in_chunks(*compose_layer_tar(entries, "layer"), 1000));
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].path, "a");
  EXPECT_EQ(read[0].data, "small");
  EXPECT_EQ(read[1].path, "b");
  EXPECT_EQ(read[1].link, "a");
  EXPECT_EQ(read[1].data, "");
}

TEST_F(LayerTarFiles, IdentityFollowsTheFiles) {
  const auto first = compose_layer_tar(planned(), "layer")->identity();
  const auto second = compose_layer_tar(planned(), "layer")->identity();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first, second);
  // Rewritten with the same bytes, but a new mtime: the identity must change with the file.
  write_file(path("small"), "small");
  struct timespec times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path("small").c_str(), times, 0), 0);
  EXPECT_NE(compose_layer_tar(planned(), "layer")->identity(), first);
}

TEST_F(LayerTarFiles, ReadFailsWhenAPlannedFileShrinks) {
  auto tar = compose_layer_tar(planned(), "layer");
  ASSERT_EQ(::truncate(path("big").c_str(), 100), 0);
  std::string buf(tar->size(), '\0');
  EXPECT_THROW(tar->read_at(0, buf.data(), buf.size()), Error);
}

TEST_F(LayerTarFiles, ReadFailsWhenAPlannedFileIsReplaced) {
  auto tar = compose_layer_tar(planned(), "layer");
  write_file(path("new"), "SMALL");  // same size, another inode (made while the old one still exists)
  std::filesystem::rename(path("new"), path("small"));
  std::string buf(tar->size(), '\0');
  try {
    tar->read_at(0, buf.data(), buf.size());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path("small")), std::string::npos) << e.what();
  }
}

TEST(LayerTar, PlanFileOfMissingPathThrows) {
  EXPECT_THROW(plan_file("/nonexistent/oci-push/layer-tar-test"), Error);
}

}  // namespace
}  // namespace ocipush
