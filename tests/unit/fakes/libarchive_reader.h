// A tar read back by libarchive, an independent reader, for the tests of what we write (tar headers,
// layer tars).
#pragma once
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ocipush {

struct ReadEntry {
  std::string path;
  unsigned type = 0;  // AE_IFREG, AE_IFDIR, ...
  unsigned mode = 0;
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t size = 0;
  int64_t mtime = 0;
  std::string symlink;
  std::string hardlink;
  std::string link;  // whichever of the two is set
  std::string data;
};

inline std::vector<ReadEntry> read_with_libarchive(const std::string& tar) {
  std::vector<ReadEntry> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e = nullptr;
  for (int r; (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF;) {
    // The tests run in the C locale: a UTF-8 name read back is only a warning there.
    EXPECT_TRUE(r == ARCHIVE_OK || r == ARCHIVE_WARN) << archive_error_string(a);
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) break;
    ReadEntry re;
    const char* utf8 = archive_entry_pathname_utf8(e);
    re.path = utf8 ? utf8 : archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    re.type = archive_entry_filetype(e);
    re.symlink = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    re.hardlink = archive_entry_hardlink(e) ? archive_entry_hardlink(e) : "";
    re.link = re.symlink.empty() ? re.hardlink : re.symlink;
    re.uid = archive_entry_uid(e);
    re.gid = archive_entry_gid(e);
    re.size = archive_entry_size(e);
    re.mtime = archive_entry_mtime(e);
    re.mode = archive_entry_perm(e);
    re.data.resize(static_cast<size_t>(re.size));
    if (re.size) EXPECT_EQ(archive_read_data(a, re.data.data(), re.data.size()), re.size);
    out.push_back(std::move(re));
  }
  archive_read_free(a);
  return out;
}

}  // namespace ocipush
