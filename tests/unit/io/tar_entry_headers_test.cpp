// tar_entry_headers: the ustar block of a layer entry, the PAX header it needs only when a field does not fit.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fakes/libarchive_reader.h"
#include "oci_push/io/tar_writing.h"

namespace ocipush {
namespace {

// A NUL-terminated (or full-width) field of a header block.
std::string field(const std::string& block, size_t offset, size_t width) {
  std::string f = block.substr(offset, width);
  return f.substr(0, f.find('\0'));
}

// The checksum a block should carry: every byte summed with the checksum field read as spaces.
unsigned expected_checksum(std::string block) {
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  return sum;
}

unsigned stored_checksum(const std::string& block) {
  return static_cast<unsigned>(std::stoul(field(block, 148, 7), nullptr, 8));
}

// The PAX records of an 'x' header's data: each "LEN key=value\n" with LEN checked against its real length.
std::vector<std::pair<std::string, std::string>> pax_records(const std::string& data) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while (at < data.size()) {
    const size_t space = data.find(' ', at);
    if (space == std::string::npos) break;
    const size_t len = std::stoul(data.substr(at, space - at));
    const std::string record = data.substr(at, len);
    EXPECT_EQ(record.size(), len);
    EXPECT_TRUE(record.ends_with('\n')) << record;
    const size_t eq = record.find('=');
    out.emplace_back(record.substr(space - at + 1, eq - (space - at + 1)), record.substr(eq + 1, len - eq - 2));
    at += len;
  }
  return out;
}

struct PaxSplit {
  std::string pax_block;  // the 'x' header block
  std::string records;    // its data, unpadded
  std::string ustar;      // the entry's own block
};

// Cuts the output of an entry that has a PAX header into its parts.
PaxSplit split_pax(const std::string& headers) {
  PaxSplit s;
  s.pax_block = headers.substr(0, kTarBlock);
  const uint64_t size = std::stoull(field(s.pax_block, 124, 12), nullptr, 8);
  s.records = headers.substr(kTarBlock, size);
  EXPECT_EQ(headers.size(), 2 * kTarBlock + tar_padded(size));
  s.ustar = headers.substr(headers.size() - kTarBlock);
  return s;
}

TEST(TarEntryHeaders, ShortNameIsOneUstarBlock) {
  TarEntryHeader e{"hello.txt", '0', 0640, 1000, 1001, 5, 1700000000, ""};
  const std::string block = tar_entry_headers(e);
  ASSERT_EQ(block.size(), 512u);
  EXPECT_EQ(field(block, 0, 100), "hello.txt");
  EXPECT_EQ(block.substr(100, 8), std::string("0000640\0", 8));
  EXPECT_EQ(block.substr(108, 8), std::string("0001750\0", 8));
  EXPECT_EQ(block.substr(116, 8), std::string("0001751\0", 8));
  EXPECT_EQ(block.substr(124, 12), std::string("00000000005\0", 12));
  EXPECT_EQ(block.substr(136, 12), std::string("14524770400\0", 12));
  EXPECT_EQ(block[156], '0');
  EXPECT_EQ(block.substr(257, 6), std::string("ustar\0", 6));
  EXPECT_EQ(block.substr(263, 2), "00");
  EXPECT_EQ(block.substr(265, 32), std::string(32, '\0'));  // uname
  EXPECT_EQ(block.substr(297, 32), std::string(32, '\0'));  // gname
  EXPECT_EQ(block.substr(345, 155), std::string(155, '\0'));  // prefix
  EXPECT_EQ(stored_checksum(block), expected_checksum(block));
}

TEST(TarEntryHeaders, DirectoryAndLinkFieldsAreWritten) {
  const std::string dir = tar_entry_headers({"etc/", '5', 0755, 0, 0, 0, 0, ""});
  ASSERT_EQ(dir.size(), 512u);
  EXPECT_EQ(field(dir, 0, 100), "etc/");
  EXPECT_EQ(dir[156], '5');
  EXPECT_EQ(field(dir, 100, 8), "0000755");
  const std::string link = tar_entry_headers({"bin/sh", '2', 0777, 0, 0, 0, 0, "busybox"});
  ASSERT_EQ(link.size(), 512u);
  EXPECT_EQ(link[156], '2');
  EXPECT_EQ(field(link, 157, 100), "busybox");
  EXPECT_EQ(stored_checksum(link), expected_checksum(link));
}

TEST(TarEntryHeaders, LongPathSplitsIntoPrefixAndName) {
  const std::string path = std::string(60, 'd') + "/" + std::string(89, 'f');
  ASSERT_EQ(path.size(), 150u);
  const std::string block = tar_entry_headers({path, '0', 0644, 0, 0, 3, 0, ""});
  ASSERT_EQ(block.size(), 512u);  // no PAX header
  EXPECT_EQ(field(block, 0, 100), std::string(89, 'f'));
  EXPECT_EQ(field(block, 345, 155), std::string(60, 'd'));
  EXPECT_EQ(stored_checksum(block), expected_checksum(block));
}

TEST(TarEntryHeaders, LongFinalComponentGetsPaxPathOnly) {
  const std::string base(120, 'n');
  const std::string path = "dir/" + base;
  const PaxSplit s = split_pax(tar_entry_headers({path, '0', 0644, 0, 0, 7, 0, ""}));
  EXPECT_EQ(s.pax_block[156], 'x');
  EXPECT_EQ(s.pax_block.substr(257, 6), std::string("ustar\0", 6));
  EXPECT_EQ(field(s.pax_block, 0, 100), ("PaxHeaders.0/" + base).substr(0, 100));
  EXPECT_EQ(stored_checksum(s.pax_block), expected_checksum(s.pax_block));
  const auto records = pax_records(s.records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].first, "path");
  EXPECT_EQ(records[0].second, path);
  EXPECT_EQ(s.records, "134 path=" + path + "\n");  // 3 digits, " path=", 124 bytes, "\n"
  EXPECT_EQ(s.ustar[156], '0');
  EXPECT_EQ(field(s.ustar, 124, 12), "00000000007");
  EXPECT_EQ(stored_checksum(s.ustar), expected_checksum(s.ustar));
}

TEST(TarEntryHeaders, PaxHeaderNameIsBesideTheBaseName) {
  const std::string path = std::string(160, 'x') + "/short.txt";  // the prefix cannot hold 160 bytes
  const PaxSplit s = split_pax(tar_entry_headers({path, '0', 0644, 0, 0, 0, 0, ""}));
  EXPECT_EQ(field(s.pax_block, 0, 100), "PaxHeaders.0/short.txt");
  const auto records = pax_records(s.records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], (std::pair<std::string, std::string>{"path", path}));
}

TEST(TarEntryHeaders, NonAsciiNameGetsPax) {
  const std::string path = "caf\xc3\xa9.txt";
  const PaxSplit s = split_pax(tar_entry_headers({path, '0', 0644, 0, 0, 0, 0, ""}));
  EXPECT_EQ(s.pax_block[156], 'x');
  const auto records = pax_records(s.records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], (std::pair<std::string, std::string>{"path", path}));
  for (unsigned char c : s.pax_block.substr(0, 100)) EXPECT_LT(c, 0x80);
  for (unsigned char c : s.ustar.substr(0, 100)) EXPECT_LT(c, 0x80);
}

TEST(TarEntryHeaders, PaxLengthPrefixCountsItselfAcrossDigitBoundaries) {
  // A record of 97..103 bytes crosses from a two-digit to a three-digit length.
  for (size_t n = 84; n <= 100; ++n) {
    const std::string path = "\xc3\xa9" + std::string(n - 2, 'a');
    const PaxSplit s = split_pax(tar_entry_headers({path, '0', 0644, 0, 0, 0, 0, ""}));
    const auto records = pax_records(s.records);
    ASSERT_EQ(records.size(), 1u) << n;
    EXPECT_EQ(records[0].second, path) << n;
    const size_t len = std::stoul(s.records.substr(0, s.records.find(' ')));
    EXPECT_EQ(len, s.records.size()) << n;
  }
}

TEST(TarEntryHeaders, LongSymlinkTargetGetsPaxLinkpath) {
  const std::string target = "/" + std::string(150, 't');
  const PaxSplit s = split_pax(tar_entry_headers({"link", '2', 0777, 0, 0, 0, 0, target}));
  const auto records = pax_records(s.records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], (std::pair<std::string, std::string>{"linkpath", target}));
  EXPECT_EQ(field(s.pax_block, 0, 100), "PaxHeaders.0/link");
  EXPECT_EQ(field(s.ustar, 0, 100), "link");
  EXPECT_EQ(s.ustar[156], '2');
}

TEST(TarEntryHeaders, LargeUidGetsPaxUid) {
  const PaxSplit s = split_pax(tar_entry_headers({"f", '0', 0644, 3000000, 5, 0, 0, ""}));
  const auto records = pax_records(s.records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], (std::pair<std::string, std::string>{"uid", "3000000"}));
  EXPECT_EQ(field(s.ustar, 116, 8), "0000005");  // the gid still fits
}

TEST(TarEntryHeaders, SameEntryGivesSameBytes) {
  const TarEntryHeader e{"a/" + std::string(130, 'z'), '0', 0600, 3000000, 7, 42, 1700000000, ""};
  EXPECT_EQ(tar_entry_headers(e), tar_entry_headers(e));
  const TarEntryHeader other{"a/" + std::string(130, 'y'), '0', 0600, 3000000, 7, 42, 1700000000, ""};
  EXPECT_NE(tar_entry_headers(e), tar_entry_headers(other));
}


TEST(TarEntryHeaders, LibarchiveReadsEveryFieldBack) {
  const std::string long_path = "dir/" + std::string(120, 'n');
  const std::string split_path = std::string(60, 'd') + "/" + std::string(89, 'f');
  const std::string unicode = "caf\xc3\xa9.txt";
  const std::string target = "/" + std::string(150, 't');
  const std::vector<std::pair<TarEntryHeader, std::string>> entries{
      {{long_path, '0', 0644, 0, 0, 5, 1700000000, ""}, "hello"},
      {{split_path, '0', 0600, 1, 2, 3, 0, ""}, "abc"},
      {{unicode, '0', 0644, 3000000, 4000000, 0, 0, ""}, ""},
      {{"link", '2', 0777, 0, 0, 0, 0, target}, ""},
      {{"hard", '1', 0644, 0, 0, 0, 0, long_path}, ""},
      {{"old", '0', 0644, 0, 0, 0, -1, ""}, ""},
  };
  std::string tar;
  for (const auto& [h, data] : entries) {
    tar += tar_entry_headers(h) + data;
    tar.resize(tar.size() + tar_padded(data.size()) - data.size(), '\0');
  }
  tar.append(2 * kTarBlock, '\0');
  const auto read = read_with_libarchive(tar);
  ASSERT_EQ(read.size(), entries.size());
  EXPECT_EQ(read[0].path, long_path);
  EXPECT_EQ(read[0].size, 5);
  EXPECT_EQ(read[0].data, "hello");
  EXPECT_EQ(read[0].mtime, 1700000000);
  EXPECT_EQ(read[1].path, split_path);
  EXPECT_EQ(read[1].data, "abc");
  EXPECT_EQ(read[1].mode, 0600u);
  EXPECT_EQ(read[1].uid, 1);
  EXPECT_EQ(read[1].gid, 2);
  EXPECT_EQ(read[2].path, unicode);
  EXPECT_EQ(read[2].uid, 3000000);
  EXPECT_EQ(read[2].gid, 4000000);
  EXPECT_EQ(read[3].path, "link");
  EXPECT_EQ(read[3].symlink, target);
  EXPECT_EQ(read[4].path, "hard");
  EXPECT_EQ(read[4].hardlink, long_path);
  EXPECT_EQ(read[5].path, "old");
  EXPECT_EQ(read[5].mtime, -1);
}

}  // namespace
}  // namespace ocipush
