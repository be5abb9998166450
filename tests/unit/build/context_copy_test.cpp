// plan_context_copy, plan_inline_file and the path helpers: COPY and ADD from a real build context on disk.
#include "oci_push/build/context_copy.h"

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

#include "fakes/error_of.h"
#include "fakes/scratch.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;
using Kind = LayerEntry::Kind;
using testing::error_of;

void write_file(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

struct TarMember {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;
  std::string symlink;
};

// A tar (gzipped when asked) written by libarchive, whose writer keeps names as given ("../evil" too).
void write_tar(const fs::path& path, const std::vector<TarMember>& members, bool gzip) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.path.c_str());
    archive_entry_set_filetype(e, m.type);
    archive_entry_set_perm(e, m.type == AE_IFDIR ? 0755 : 0640);
    archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
    archive_entry_set_mtime(e, 1234, 0);
    archive_entry_set_uid(e, 42);
    if (!m.symlink.empty()) archive_entry_set_symlink(e, m.symlink.c_str());
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    if (!m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::vector<std::string> paths_of(const PlannedCopy& planned) {
  std::vector<std::string> out;
  for (const auto& e : planned.entries) out.push_back(e.path);
  return out;
}

const LayerEntry* find(const PlannedCopy& planned, const std::string& path) {
  for (const auto& e : planned.entries)
    if (e.path == path) return &e;
  return nullptr;
}

class ContextCopy : public ::testing::Test {
 protected:
  testing::ScratchDir scratch{"context_copy_test"};
  fs::path root = scratch.dir / "ctx";
  BuildContext context;

  void SetUp() override {
    fs::create_directories(root / "sub" / "inner");
    fs::create_directories(scratch.dir / "outside");
    write_file(root / "a.txt", "A");
    write_file(root / "b.txt", "BB");
    write_file(root / "c.md", "C");
    write_file(root / "sub" / "x.txt", "X");
    write_file(root / "sub" / "secret", "S");
    write_file(root / "sub" / "inner" / "y.txt", "Y");
    fs::create_symlink("x.txt", root / "sub" / "ln");
    write_file(scratch.dir / "outside" / "o.txt", "O");
    context.root = root.string();
    context.hidden = [](const std::string&) { return false; };
  }

  CopyRequest request(std::vector<std::string> sources, std::string destination) const {
    CopyRequest r;
    r.sources = std::move(sources);
    r.destination = std::move(destination);
    r.where = "Dockerfile:7";
    return r;
  }
};

TEST_F(ContextCopy, FileToAFileName) {
  auto planned = plan_context_copy(context, request({"a.txt"}, "/dst"));
  ASSERT_EQ(paths_of(planned), (std::vector<std::string>{"dst"}));
  EXPECT_EQ(planned.destination, "/dst");
  const LayerEntry& e = planned.entries[0];
  EXPECT_EQ(e.kind, Kind::File);
  ASSERT_TRUE(e.file.has_value());
  EXPECT_EQ(e.file->path, (root / "a.txt").string());
  EXPECT_EQ(e.size(), 1u);
}

TEST_F(ContextCopy, FileIntoADirectory) {
  auto planned = plan_context_copy(context, request({"a.txt"}, "/dst/"));
  EXPECT_EQ(paths_of(planned), (std::vector<std::string>{"dst/a.txt"}));
  EXPECT_EQ(planned.destination, "/dst");
}

TEST_F(ContextCopy, RelativeDestinationIsUnderTheWorkdir) {
  auto r = request({"a.txt"}, "x");
  r.workdir = "/app";
  EXPECT_EQ(paths_of(plan_context_copy(context, r)), (std::vector<std::string>{"app/x"}));
  r.destination = "./";
  EXPECT_EQ(paths_of(plan_context_copy(context, r)), (std::vector<std::string>{"app/a.txt"}));
}

TEST_F(ContextCopy, DirectoryCopiesItsContents) {
  auto planned = plan_context_copy(context, request({"sub"}, "/d"));
  EXPECT_EQ(paths_of(planned),
            (std::vector<std::string>{"d", "d/inner", "d/inner/y.txt", "d/ln", "d/secret", "d/x.txt"}));
  EXPECT_EQ(find(planned, "d")->kind, Kind::Directory);
  EXPECT_EQ(find(planned, "d/inner")->kind, Kind::Directory);
  EXPECT_EQ(find(planned, "d/inner/y.txt")->kind, Kind::File);
}

TEST_F(ContextCopy, SymlinkInsideADirectoryIsKeptAsALink) {
  auto planned = plan_context_copy(context, request({"sub"}, "/d"));
  const LayerEntry* ln = find(planned, "d/ln");
  ASSERT_NE(ln, nullptr);
  EXPECT_EQ(ln->kind, Kind::Symlink);
  EXPECT_EQ(ln->link_target, "x.txt");
  EXPECT_EQ(ln->mode, 0777u);
  EXPECT_FALSE(ln->file.has_value());
}

TEST_F(ContextCopy, GlobMatchesInSortedOrder) {
  write_file(root / "0.txt", "0");
  auto planned = plan_context_copy(context, request({"*.txt"}, "/g/"));
  EXPECT_EQ(paths_of(planned), (std::vector<std::string>{"g/0.txt", "g/a.txt", "g/b.txt"}));
}

TEST_F(ContextCopy, SeveralSourcesNeedADirectoryDestination) {
  EXPECT_THROW(plan_context_copy(context, request({"a.txt", "b.txt"}, "/dst")), Error);
  EXPECT_THROW(plan_context_copy(context, request({"*.txt"}, "/dst")), Error);
  EXPECT_EQ(paths_of(plan_context_copy(context, request({"a.txt", "b.txt"}, "/dst/"))),
            (std::vector<std::string>{"dst/a.txt", "dst/b.txt"}));
}

TEST_F(ContextCopy, MissingSourceNamesTheInstruction) {
  const std::string message = error_of([&] { plan_context_copy(context, request({"nope.txt"}, "/dst")); });
  EXPECT_TRUE(message.starts_with("Dockerfile:7")) << message;
  EXPECT_NE(message.find("nope.txt"), std::string::npos) << message;
}

TEST_F(ContextCopy, GlobMatchingNothingThrows) {
  const std::string message = error_of([&] { plan_context_copy(context, request({"*.none"}, "/dst/")); });
  EXPECT_TRUE(message.starts_with("Dockerfile:7")) << message;
}

TEST_F(ContextCopy, SourceOutsideTheContextThrows) {
  const std::string message = error_of([&] { plan_context_copy(context, request({"../outside/o.txt"}, "/dst")); });
  EXPECT_TRUE(message.starts_with("Dockerfile:7")) << message;
  EXPECT_NE(message.find("outside the build context"), std::string::npos) << message;
  EXPECT_THROW(plan_context_copy(context, request({"sub/../../x"}, "/dst")), Error);
}

TEST_F(ContextCopy, TopLevelSymlinkLeavingTheContextThrows) {
  fs::create_symlink("../outside/o.txt", root / "escape");
  const std::string message = error_of([&] { plan_context_copy(context, request({"escape"}, "/dst")); });
  EXPECT_TRUE(message.starts_with("Dockerfile:7")) << message;
  EXPECT_NE(message.find("outside the build context"), std::string::npos) << message;
}

TEST_F(ContextCopy, HiddenPathsAreInvisible) {
  context.hidden = [](const std::string& path) { return path == "b.txt" || path == "sub/secret"; };
  const std::string message = error_of([&] { plan_context_copy(context, request({"b.txt"}, "/dst")); });
  EXPECT_TRUE(message.starts_with("Dockerfile:7")) << message;
  auto planned = plan_context_copy(context, request({"sub"}, "/d"));
  EXPECT_EQ(find(planned, "d/secret"), nullptr);
  EXPECT_NE(find(planned, "d/x.txt"), nullptr);
  EXPECT_EQ(paths_of(plan_context_copy(context, request({"*.txt"}, "/g/"))), (std::vector<std::string>{"g/a.txt"}));
}

TEST_F(ContextCopy, ExcludedPathsAreSkipped) {
  auto r = request({"sub"}, "/d");
  r.excluded = [](const std::string& path) { return path == "sub/x.txt" || path == "sub/inner"; };
  EXPECT_EQ(paths_of(plan_context_copy(context, r)), (std::vector<std::string>{"d", "d/ln", "d/secret"}));
}

TEST_F(ContextCopy, OwnerAndModeOverridesApply) {
  auto r = request({"sub"}, "/d");
  r.owner = FileOwner{5, 6};
  r.mode = 0600;
  auto planned = plan_context_copy(context, r);
  ASSERT_FALSE(planned.entries.empty());
  for (const auto& e : planned.entries) {
    EXPECT_EQ(e.uid, 5u) << e.path;
    EXPECT_EQ(e.gid, 6u) << e.path;
    EXPECT_EQ(e.mode, 0600u) << e.path;
  }
}

TEST_F(ContextCopy, ChownedFilesIntoADirectoryMakeItTheirs) {
  auto r = request({"a.txt", "b.txt"}, "/app/");
  r.owner = FileOwner{5, 6};
  r.mtime = 77;
  auto planned = plan_context_copy(context, r);
  const LayerEntry* dir = find(planned, "app");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->kind, Kind::Directory);
  EXPECT_EQ(dir->uid, 5u);
  EXPECT_EQ(dir->gid, 6u);
  EXPECT_EQ(dir->mode, 0755u);
  EXPECT_EQ(dir->mtime, 77);
  EXPECT_NE(find(planned, "app/a.txt"), nullptr);
  EXPECT_EQ(find(plan_context_copy(context, request({"a.txt"}, "/app/")), "app"), nullptr);  // not without --chown
}

TEST_F(ContextCopy, ModesAreTheFilesOwnWithoutOverride) {
  ASSERT_EQ(::chmod((root / "a.txt").c_str(), 04751), 0);
  auto planned = plan_context_copy(context, request({"a.txt"}, "/dst"));
  EXPECT_EQ(planned.entries[0].mode, 04751u);
  EXPECT_EQ(planned.entries[0].uid, 0u);
}

TEST_F(ContextCopy, MtimeOverrideOrTheFilesOwn) {
  struct timespec times[2] = {{1234567, 0}, {1234567, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (root / "a.txt").c_str(), times, 0), 0);
  auto r = request({"a.txt"}, "/dst");
  EXPECT_EQ(plan_context_copy(context, r).entries[0].mtime, 1234567);
  r.mtime = 1700000000;
  EXPECT_EQ(plan_context_copy(context, r).entries[0].mtime, 1700000000);
}

TEST_F(ContextCopy, AddUnpacksALocalArchive) {
  write_tar(root / "data.tar.gz",
            {{"./", AE_IFDIR, "", ""},
             {"dir/", AE_IFDIR, "", ""},
             {"dir/f.txt", AE_IFREG, "inside", ""},
             {"top.txt", AE_IFREG, "top", ""},
             {"dir/rel", AE_IFLNK, "", "../top.txt"}},
            true);
  auto r = request({"data.tar.gz"}, "/opt/");
  r.unpack_archives = true;
  auto planned = plan_context_copy(context, r);
  EXPECT_EQ(paths_of(planned), (std::vector<std::string>{"opt/dir", "opt/dir/f.txt", "opt/top.txt", "opt/dir/rel"}));
  const LayerEntry* f = find(planned, "opt/dir/f.txt");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->data, "inside");
  EXPECT_EQ(f->mode, 0640u);
  EXPECT_EQ(f->uid, 42u);
  EXPECT_EQ(f->mtime, 1234);
  EXPECT_EQ(find(planned, "opt/dir")->kind, Kind::Directory);
  EXPECT_EQ(find(planned, "opt/dir/rel")->kind, Kind::Symlink);
  EXPECT_EQ(find(planned, "opt/dir/rel")->link_target, "../top.txt");
  // COPY never unpacks.
  auto copy = request({"data.tar.gz"}, "/opt/");
  EXPECT_EQ(paths_of(plan_context_copy(context, copy)), (std::vector<std::string>{"opt/data.tar.gz"}));
}

TEST_F(ContextCopy, AddRefusesArchiveEntriesLeavingTheDestination) {
  const std::vector<std::vector<TarMember>> evil{
      {{"../evil", AE_IFREG, "x", ""}},
      {{"/etc/x", AE_IFREG, "x", ""}},
      {{"l", AE_IFLNK, "", "../../x"}},
  };
  for (size_t k = 0; k < evil.size(); ++k) {
    const fs::path tar = root / ("evil" + std::to_string(k) + ".tar");
    write_tar(tar, evil[k], false);
    auto r = request({tar.filename().string()}, "/opt/");
    r.unpack_archives = true;
    const std::string message = error_of([&] { plan_context_copy(context, r); });
    EXPECT_TRUE(message.starts_with("Dockerfile:7")) << k << ": " << message;
  }
}

TEST_F(ContextCopy, InlineFile) {
  auto r = request({}, "/etc/motd");
  auto planned = plan_inline_file("EOF", "hi\n", r, 0644);
  ASSERT_EQ(paths_of(planned), (std::vector<std::string>{"etc/motd"}));
  EXPECT_EQ(planned.destination, "/etc");
  EXPECT_EQ(planned.entries[0].data, "hi\n");
  EXPECT_EQ(planned.entries[0].mode, 0644u);
  EXPECT_EQ(planned.entries[0].mtime, 0);
  EXPECT_FALSE(planned.entries[0].file.has_value());

  r.destination = "/etc/";
  r.mode = 0600;
  r.mtime = 99;
  r.owner = FileOwner{1, 2};
  planned = plan_inline_file("EOF", "hi\n", r, 0644);
  ASSERT_EQ(paths_of(planned), (std::vector<std::string>{"etc/EOF"}));
  EXPECT_EQ(planned.destination, "/etc");
  EXPECT_EQ(planned.entries[0].mode, 0600u);
  EXPECT_EQ(planned.entries[0].mtime, 99);
  EXPECT_EQ(planned.entries[0].uid, 1u);
  EXPECT_EQ(planned.entries[0].gid, 2u);

  r = request({}, "notes");
  r.workdir = "/app";
  EXPECT_EQ(paths_of(plan_inline_file("EOF", "", r, 0644)), (std::vector<std::string>{"app/notes"}));
  r.destination = "/";  // the root as a directory: the file is named there
  EXPECT_EQ(paths_of(plan_inline_file("EOF", "", r, 0644)), (std::vector<std::string>{"EOF"}));
}

}  // namespace
}  // namespace ocipush
