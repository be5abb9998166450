#include "oci_push/io/tar_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "oci_push/io/byte_source.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

// One 512-byte header, described field by field so that tests can break any of them.
struct Header {
  std::string name = {};
  char type = '0';
  uint64_t size = 0;
  std::string link = {};
  std::string prefix = {};
  bool gnu_magic = false;     // "ustar  \0" (GNU) instead of "ustar\0" "00" (POSIX)
  bool base256_size = false;  // GNU binary size encoding
  bool signed_checksum = false;
  int checksum_delta = 0;  // to corrupt the checksum
};

void put(std::string& block, size_t off, std::string_view value) {
  std::memcpy(block.data() + off, value.data(), value.size());
}

void put_octal(std::string& block, size_t off, size_t width, uint64_t value) {
  put(block, off, fmt::format("{:0{}o}", value, width - 1) + '\0');  // width-1 digits and the NUL
}

// Six octal digits, NUL, space: what GNU tar writes.
void set_checksum(std::string& block, bool signed_sum = false, int delta = 0) {
  put(block, 148, "        ");
  long sum = delta;
  for (char c : block) sum += signed_sum ? static_cast<signed char>(c) : static_cast<unsigned char>(c);
  put(block, 148, fmt::format("{:06o}", sum & 0777777) + '\0');
}

std::string make_header(const Header& h) {
  std::string b(512, '\0');
  put(b, 0, h.name.substr(0, 100));
  put_octal(b, 100, 8, 0644);
  put_octal(b, 108, 8, 1000);
  put_octal(b, 116, 8, 1000);
  if (h.base256_size) {
    b[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) b[124 + 11 - i] = static_cast<char>((h.size >> (8 * i)) & 0xff);
  } else {
    if (h.size >= (uint64_t{1} << 33)) throw std::logic_error("size needs base256_size");
    put_octal(b, 124, 12, h.size);
  }
  put_octal(b, 136, 12, 1700000000);
  b[156] = h.type;
  put(b, 157, h.link.substr(0, 100));
  if (h.gnu_magic) {
    put(b, 257, std::string_view("ustar  \0", 8));
  } else {
    put(b, 257,
        std::string_view("ustar\0"
                         "00",
                         8));
    put(b, 345, h.prefix);
  }
  set_checksum(b, h.signed_checksum, h.checksum_delta);
  return b;
}

std::string padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

std::string pax_record(const std::string& key, const std::string& value) {
  const size_t body = 1 + key.size() + 1 + value.size() + 1;
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) ++len;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

class TarWriter {
 public:
  TarWriter& header(const Header& h, const std::string& data = "") {
    out_ += make_header(h);
    out_ += padded(data);
    return *this;
  }
  TarWriter& file(const std::string& name, const std::string& data) {
    return header({.name = name, .size = data.size()}, data);
  }
  TarWriter& dir(const std::string& name) { return header({.name = name, .type = '5'}); }
  TarWriter& symlink(const std::string& name, const std::string& target) {
    return header({.name = name, .type = '2', .link = target});
  }
  TarWriter& hardlink(const std::string& name, const std::string& target) {
    return header({.name = name, .type = '1', .link = target});
  }
  TarWriter& gnu_long(char type, const std::string& value) {
    const std::string data = value + '\0';
    return header({.name = "././@LongLink", .type = type, .size = data.size(), .gnu_magic = true}, data);
  }
  TarWriter& pax(const std::vector<std::pair<std::string, std::string>>& records, char type = 'x') {
    std::string data;
    for (const auto& [k, v] : records) data += pax_record(k, v);
    return header({.name = "PaxHeaders/x", .type = type, .size = data.size()}, data);
  }
  TarWriter& raw(const std::string& bytes) {
    out_ += bytes;
    return *this;
  }
  TarWriter& end() {
    out_ += std::string(1024, '\0');
    return *this;
  }
  std::string str() const { return out_; }
  size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

TarIndex index_of(const std::string& tar, const std::string& name = "image.tar") {
  return TarIndex::build(StringSource(tar, name));
}

// The Error's message, or "" when building succeeds.
std::string build_error(const std::string& tar) {
  try {
    index_of(tar);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string find_error(const TarIndex& index, std::string_view name) {
  try {
    index.find(name);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string data_of(const std::string& tar, const TarEntry& e) {
  return read_exact(StringSource(tar), e.offset, static_cast<size_t>(e.size));
}

std::vector<std::string> names(const TarIndex& index) {
  std::vector<std::string> out;
  for (const auto& [name, entry] : index.entries()) out.push_back(name);
  return out;
}

TEST(TarIndex, RegularFilesAndDirectories) {
  const std::string big(1500, 'x');
  const std::string tar =
      TarWriter().dir("abc/").file("abc/layer.tar", big).file("manifest.json", "[]").file("empty", "").end().str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(names(index), (std::vector<std::string>{"abc", "abc/layer.tar", "empty", "manifest.json"}));

  const auto dir = index.find("abc");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->type, TarEntry::Type::Directory);
  EXPECT_EQ(dir->size, 0u);

  const auto layer = index.find("abc/layer.tar");
  ASSERT_TRUE(layer);
  EXPECT_EQ(layer->type, TarEntry::Type::File);
  EXPECT_EQ(layer->name, "abc/layer.tar");
  EXPECT_EQ(layer->offset, 1024u);
  EXPECT_EQ(layer->size, 1500u);
  EXPECT_EQ(data_of(tar, *layer), big);

  const auto manifest = index.find("manifest.json");
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->offset, 1024u + 2048u);
  EXPECT_EQ(data_of(tar, *manifest), "[]");

  EXPECT_EQ(index.find("empty")->size, 0u);
  EXPECT_EQ(index.find("missing"), std::nullopt);
  EXPECT_EQ(index.find("abc/missing"), std::nullopt);
}

TEST(TarIndex, DotSlashPrefixesAreNormalised) {
  const std::string tar =
      TarWriter().dir("./").dir("./blobs/").file("./blobs//x", "X").file("./manifest.json", "{}").end().str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(names(index), (std::vector<std::string>{"blobs", "blobs/x", "manifest.json"}));
  ASSERT_TRUE(index.find("./manifest.json"));
  EXPECT_EQ(index.find("./manifest.json")->name, "manifest.json");
  EXPECT_EQ(data_of(tar, *index.find("manifest.json")), "{}");
  EXPECT_EQ(data_of(tar, *index.find("blobs/./x")), "X");
  EXPECT_EQ(data_of(tar, *index.find("/blobs/x")), "X");
}

TEST(TarIndex, AbsolutePathsAreNormalised) {
  const TarIndex index = index_of(TarWriter().file("/etc/os-release", "ID=x").end().str());
  EXPECT_EQ(names(index), (std::vector<std::string>{"etc/os-release"}));
  EXPECT_TRUE(index.find("etc/os-release"));
}

TEST(TarIndex, UstarPrefixField) {
  const std::string tar =
      TarWriter().header({.name = "file.txt", .size = 2, .prefix = "very/long/dir"}, "hi").end().str();
  const TarIndex index = index_of(tar);
  ASSERT_TRUE(index.find("very/long/dir/file.txt"));
  EXPECT_EQ(data_of(tar, *index.find("very/long/dir/file.txt")), "hi");
}

TEST(TarIndex, GnuHeadersIgnoreThePrefixArea) {
  // GNU tar stores atime/ctime where ustar has the prefix.
  const std::string tar =
      TarWriter().header({.name = "f", .size = 1, .prefix = "junk", .gnu_magic = true}, "1").end().str();
  EXPECT_EQ(names(index_of(tar)), (std::vector<std::string>{"f"}));
}

TEST(TarIndex, SymlinksResolveRelativeToTheirDirectory) {
  const std::string tar = TarWriter()
                              .file("blobs/sha256/aaa", "layer-bytes")
                              .symlink("abc/layer.tar", "../blobs/sha256/aaa")
                              .symlink("top", "blobs/sha256/aaa")
                              .symlink("abs", "/blobs/sha256/aaa")
                              .end()
                              .str();
  const TarIndex index = index_of(tar);
  const auto link = index.entries().at("abc/layer.tar");
  EXPECT_EQ(link.type, TarEntry::Type::Symlink);
  EXPECT_EQ(link.link_target, "../blobs/sha256/aaa");

  for (const char* name : {"abc/layer.tar", "./abc/layer.tar", "top", "abs"}) {
    const auto found = index.find(name);
    ASSERT_TRUE(found) << name;
    EXPECT_EQ(found->type, TarEntry::Type::File);
    EXPECT_EQ(found->name, "blobs/sha256/aaa");
    EXPECT_EQ(data_of(tar, *found), "layer-bytes") << name;
  }
}

TEST(TarIndex, SymlinkedDirectoryInTheMiddleOfAPath) {
  const std::string tar =
      TarWriter().file("v1/data", "D").symlink("current", "v1").symlink("deep/link", "../current/").end().str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(data_of(tar, *index.find("current/data")), "D");
  EXPECT_EQ(data_of(tar, *index.find("deep/link/data")), "D");
  EXPECT_EQ(index.find("current/nothing"), std::nullopt);
}

TEST(TarIndex, DanglingSymlinkIsAbsent) {
  const TarIndex index = index_of(TarWriter().symlink("a", "nowhere").end().str());
  EXPECT_EQ(index.find("a"), std::nullopt);
}

TEST(TarIndex, FileUsedAsADirectoryIsAbsent) {
  const TarIndex index = index_of(TarWriter().file("a", "x").end().str());
  EXPECT_EQ(index.find("a/b"), std::nullopt);
}

TEST(TarIndex, HardlinksResolveFromTheRoot) {
  const std::string tar =
      TarWriter().file("dir/a", "AAA").hardlink("dir/b", "dir/a").hardlink("c", "./dir/b").end().str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(index.entries().at("dir/b").type, TarEntry::Type::Hardlink);
  EXPECT_EQ(index.entries().at("dir/b").size, 0u);
  for (const char* name : {"dir/b", "c"}) {
    const auto found = index.find(name);
    ASSERT_TRUE(found) << name;
    EXPECT_EQ(found->name, "dir/a");
    EXPECT_EQ(data_of(tar, *found), "AAA");
  }
}

TEST(TarIndex, HeaderOnlyTypesHaveNoDataEvenWithASizeField) {
  // Some writers put the target's size in a hardlink's header; no data blocks follow it.
  const std::string tar = TarWriter()
                              .file("a", "AAA")
                              .header({.name = "b", .type = '1', .size = 3, .link = "a"})
                              .file("c", "CCC")
                              .end()
                              .str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(data_of(tar, *index.find("c")), "CCC");
  EXPECT_EQ(data_of(tar, *index.find("b")), "AAA");
}

TEST(TarIndex, GnuLongNamesAndLinks) {
  const std::string long_name = std::string(150, 'n') + "/" + std::string(120, 'm') + ".tar";
  const std::string long_target = "../" + std::string(150, 'n') + "/" + std::string(120, 'm') + ".tar";
  const std::string tar =
      TarWriter()
          .gnu_long('L', long_name)
          .header({.name = long_name.substr(0, 100), .size = 4, .gnu_magic = true}, "long")
          .gnu_long('L', "link/" + std::string(110, 'l'))
          .gnu_long('K', long_target)
          .header({.name = "truncated", .type = '2', .link = long_target.substr(0, 100), .gnu_magic = true})
          .file("short", "s")
          .end()
          .str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(names(index), (std::vector<std::string>{"link/" + std::string(110, 'l'), long_name, "short"}));
  EXPECT_EQ(data_of(tar, *index.find(long_name)), "long");
  EXPECT_EQ(index.entries().at("link/" + std::string(110, 'l')).link_target, long_target);
  EXPECT_EQ(data_of(tar, *index.find("link/" + std::string(110, 'l'))), "long");
  // The long name applies to one entry only.
  EXPECT_EQ(data_of(tar, *index.find("short")), "s");
}

TEST(TarIndex, PaxPathLinkpathAndSize) {
  const std::string long_name = "blobs/sha256/" + std::string(200, 'a');
  // The header's own size field says 0; the pax record is authoritative.
  const std::string tar = TarWriter()
                              .pax({{"mtime", "1700000000.5"}, {"path", long_name}, {"size", "5"}})
                              .header({.name = "ignored", .size = 0}, "12345")
                              .pax({{"linkpath", "../" + long_name}})
                              .header({.name = "x/link", .type = '2', .link = "short"})
                              .pax({{"comment", "global"}}, 'g')
                              .file("after", "A")
                              .end()
                              .str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(names(index), (std::vector<std::string>{"after", long_name, "x/link"}));
  const auto e = index.find(long_name);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->size, 5u);
  EXPECT_EQ(data_of(tar, *e), "12345");
  EXPECT_EQ(data_of(tar, *index.find("x/link")), "12345");
  EXPECT_EQ(data_of(tar, *index.find("after")), "A");
}

TEST(TarIndex, PaxOverridesGnuLongName) {
  const std::string tar = TarWriter()
                              .gnu_long('L', "gnu-name")
                              .pax({{"path", "pax-name"}})
                              .header({.name = "header-name", .size = 1}, "p")
                              .end()
                              .str();
  EXPECT_EQ(names(index_of(tar)), (std::vector<std::string>{"pax-name"}));
}

TEST(TarIndex, PaxRecordWithMultibyteUtf8) {
  const std::string name = "caf\xc3\xa9/\xe2\x82\xac";
  const std::string tar = TarWriter().pax({{"path", name}}).header({.name = "x", .size = 1}, "u").end().str();
  EXPECT_EQ(names(index_of(tar)), (std::vector<std::string>{name}));
}

TEST(TarIndex, Base256Size) {
  const std::string tar = TarWriter()
                              .header({.name = "b", .size = 700, .base256_size = true}, std::string(700, 'b'))
                              .file("next", "n")
                              .end()
                              .str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(index.find("b")->size, 700u);
  EXPECT_EQ(data_of(tar, *index.find("next")), "n");
}

TEST(TarIndex, Base256HugeSizeIsTruncationNotAllocation) {
  const std::string tar =
      TarWriter().header({.name = "huge", .size = uint64_t{1} << 50, .base256_size = true}).end().str();
  EXPECT_EQ(build_error(tar), "image.tar: truncated tar: entry \"huge\" needs 1125899906842624 bytes at offset 512 "
                              "but the file ends at 1536");
}

TEST(TarIndex, SignedChecksumIsAccepted) {
  const std::string tar =
      TarWriter().header({.name = "caf\xc3\xa9", .size = 1, .signed_checksum = true}, "s").end().str();
  EXPECT_EQ(names(index_of(tar)), (std::vector<std::string>{"caf\xc3\xa9"}));
}

TEST(TarIndex, SevenDigitChecksumFormatIsAccepted) {
  std::string h = make_header({.name = "a", .size = 0});
  // "%07o\0" instead of "%06o\0 ": same value, different padding.
  const std::string six(h.data() + 148, 6);
  put(h, 148, "0" + six + std::string(1, '\0'));
  EXPECT_EQ(names(index_of(TarWriter().raw(h).end().str())), (std::vector<std::string>{"a"}));
}

TEST(TarIndex, EndsWithoutZeroBlocksAtAHeaderBoundary) {
  const std::string tar = TarWriter().file("a", "x").file("b", "y").str();
  EXPECT_EQ(names(index_of(tar)), (std::vector<std::string>{"a", "b"}));
}

TEST(TarIndex, LastEntryWithoutPaddingIsComplete) {
  std::string tar = TarWriter().file("a", "x").file("b", "hello").str();
  tar.resize(tar.size() - 507);
  const TarIndex index = index_of(tar);
  EXPECT_EQ(data_of(tar, *index.find("b")), "hello");
}

TEST(TarIndex, SingleZeroBlockAtTheEndIsFine) {
  EXPECT_EQ(names(index_of(TarWriter().file("a", "x").raw(std::string(512, '\0')).str())),
            (std::vector<std::string>{"a"}));
}

TEST(TarIndex, DataAfterTheEndMarkerIsIgnored) {
  const std::string tar =
      TarWriter().file("a", "x").end().raw(make_header({.name = "after"})).raw(std::string(700, '\x7f')).str();
  EXPECT_EQ(names(index_of(tar)), (std::vector<std::string>{"a"}));
}

TEST(TarIndex, EmptyArchive) { EXPECT_TRUE(index_of(std::string(10240, '\0')).entries().empty()); }

TEST(TarIndex, OtherEntryTypesAreIndexedAndSkipped) {
  const std::string tar = TarWriter()
                              .header({.name = "fifo", .type = '6'})
                              .header({.name = "dev", .type = '3'})
                              .header({.name = "sparse", .type = 'S', .size = 10}, "0123456789")
                              .file("z", "Z")
                              .end()
                              .str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(index.entries().at("fifo").type, TarEntry::Type::Other);
  EXPECT_EQ(index.entries().at("sparse").size, 10u);
  EXPECT_EQ(data_of(tar, *index.find("z")), "Z");
}

TEST(TarIndex, OldStyleDirectoryWithTrailingSlash) {
  const TarIndex index = index_of(TarWriter().header({.name = "d/", .type = '\0'}).end().str());
  EXPECT_EQ(index.entries().at("d").type, TarEntry::Type::Directory);
}

// --- errors ---

TEST(TarIndex, RandomBytesAreNotATar) {
  std::string junk(4096, '\0');
  uint32_t x = 12345;
  for (char& c : junk) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 16);
  }
  EXPECT_EQ(build_error(junk), "image.tar: not a tar archive: no valid tar header at offset 0");
}

TEST(TarIndex, TextFileIsNotATar) {
  std::string text;
  while (text.size() < 2000) text += "{\"this\": \"is json\"}\n";
  EXPECT_EQ(build_error(text), "image.tar: not a tar archive: no valid tar header at offset 0");
}

TEST(TarIndex, ShortFileIsNotATar) {
  EXPECT_EQ(build_error("hello"), "image.tar: not a tar archive: the file is 5 bytes, shorter than one header");
}

TEST(TarIndex, EmptyFileIsNotATar) { EXPECT_EQ(build_error(""), "image.tar: not a tar archive: the file is empty"); }

TEST(TarIndex, BadChecksum) {
  const std::string tar = TarWriter().file("a", "x").header({.name = "b", .checksum_delta = 1}).end().str();
  EXPECT_EQ(build_error(tar), "image.tar: corrupt tar: bad header checksum at offset 1024 (after entry \"a\")");
}

TEST(TarIndex, UnparseableChecksumField) {
  std::string h = make_header({.name = "a"});
  put(h, 148, "zzzzzz");
  EXPECT_EQ(build_error(TarWriter().raw(h).end().str()),
            "image.tar: not a tar archive: no valid tar header at offset 0");
}

TEST(TarIndex, TruncatedData) {
  const std::string tar = TarWriter()
                              .file("manifest.json", std::string(512, 'm'))
                              .header({.name = "abc/layer.tar", .size = 1048576})
                              .raw(std::string(2560, 'L'))
                              .str();
  ASSERT_EQ(tar.size(), 4096u);
  EXPECT_EQ(build_error(tar), "image.tar: truncated tar: entry \"abc/layer.tar\" needs 1048576 bytes at offset 1536 "
                              "but the file ends at 4096");
}

TEST(TarIndex, TruncatedDataByOneByte) {
  std::string tar = TarWriter().file("a", std::string(512, 'a')).str();
  tar.pop_back();
  EXPECT_NE(build_error(tar).find("truncated tar: entry \"a\" needs 512 bytes at offset 512"), std::string::npos);
}

TEST(TarIndex, TruncatedHeader) {
  std::string tar = TarWriter().file("a", "x").file("b", "y").str();
  tar.resize(1024 + 300);
  EXPECT_EQ(build_error(tar), "image.tar: truncated tar: the header at offset 1024 is cut off by the end of the "
                              "file at 1324 (after entry \"a\")");
}

TEST(TarIndex, InvalidSizeField) {
  std::string h = make_header({.name = "a"});
  put(h, 124, "12x");
  set_checksum(h);  // so that the size field is what fails
  EXPECT_EQ(build_error(TarWriter().raw(h).end().str()),
            "image.tar: corrupt tar: invalid size field in the header at offset 0");
}

TEST(TarIndex, NegativeBase256Size) {
  std::string h = make_header({.name = "a", .base256_size = true});
  h[124] = static_cast<char>(0xff);
  set_checksum(h);
  EXPECT_NE(build_error(TarWriter().raw(h).end().str()).find("invalid size field"), std::string::npos);
}

TEST(TarIndex, DotDotComponentIsRejected) {
  EXPECT_EQ(build_error(TarWriter().file("a/../../etc/passwd", "x").end().str()),
            "image.tar: tar entry \"a/../../etc/passwd\" has a \"..\" path component (at offset 0)");
  EXPECT_NE(build_error(TarWriter().file("..", "x").end().str()), "");
  EXPECT_NE(build_error(TarWriter().pax({{"path", "x/../y"}}).header({.name = "ok"}).end().str()), "");
  // ".." inside a name is not a component.
  EXPECT_EQ(build_error(TarWriter().file("a..b/..c", "x").end().str()), "");
}

TEST(TarIndex, DuplicateFileEntryIsRejected) {
  const std::string tar = TarWriter().file("manifest.json", "1").file("./manifest.json", "2").end().str();
  EXPECT_EQ(build_error(tar), "image.tar: tar entry \"manifest.json\" appears more than once (at offset 1024)");
  EXPECT_NE(build_error(TarWriter().dir("a").file("a", "x").end().str()), "");
  EXPECT_NE(build_error(TarWriter().file("a", "x").symlink("a", "b").end().str()), "");
}

TEST(TarIndex, DuplicateDirectoryIsFine) {
  EXPECT_EQ(names(index_of(TarWriter().dir("d/").dir("./d").end().str())), (std::vector<std::string>{"d"}));
}

TEST(TarIndex, EmptyFileNameIsRejected) {
  EXPECT_NE(build_error(TarWriter().file("./", "x").end().str()).find("empty name"), std::string::npos);
}

TEST(TarIndex, SymlinkLoop) {
  const TarIndex index = index_of(TarWriter().symlink("a", "b").symlink("b", "a").end().str());
  const std::string msg = find_error(index, "a");
  EXPECT_NE(msg.find("image.tar: too many levels of links resolving \"a\""), std::string::npos) << msg;
  EXPECT_NE(find_error(index_of(TarWriter().symlink("self", "./self").end().str()), "self"), "");
  EXPECT_NE(find_error(index_of(TarWriter().symlink("d", ".").end().str()), "d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/x"), "");
}

TEST(TarIndex, SixteenHopsAreAllowed) {
  TarWriter w;
  w.file("l16", "end");
  for (int i = 0; i < 16; ++i) w.symlink(fmt::format("l{}", i), fmt::format("l{}", i + 1));
  const std::string tar = w.end().str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(data_of(tar, *index.find("l0")), "end");

  TarWriter w2;
  w2.file("l17", "end");
  for (int i = 0; i < 17; ++i) w2.symlink(fmt::format("l{}", i), fmt::format("l{}", i + 1));
  EXPECT_NE(find_error(index_of(w2.end().str()), "l0"), "");
}

TEST(TarIndex, HardlinkLoop) {
  const TarIndex index = index_of(TarWriter().hardlink("a", "b").hardlink("b", "a").end().str());
  EXPECT_NE(find_error(index, "a").find("too many levels of links"), std::string::npos);
}

TEST(TarIndex, SymlinkEscapingTheRoot) {
  const TarIndex index = index_of(
      TarWriter().symlink("abc/layer.tar", "../../etc/passwd").symlink("up", "..").hardlink("h", "../x").end().str());
  EXPECT_EQ(find_error(index, "abc/layer.tar"),
            "image.tar: link \"abc/layer.tar\" -> \"../../etc/passwd\" points outside the archive");
  EXPECT_NE(find_error(index, "up/x").find("points outside the archive"), std::string::npos);
  EXPECT_NE(find_error(index, "h").find("points outside the archive"), std::string::npos);
  EXPECT_EQ(find_error(index, "../x"), "image.tar: \"../x\" points outside the archive");
}

TEST(TarIndex, DotDotInsideTheArchiveIsResolved) {
  const std::string tar = TarWriter().file("a/f", "F").symlink("b/l", "../a/../a/f").end().str();
  const TarIndex index = index_of(tar);
  EXPECT_EQ(data_of(tar, *index.find("b/l")), "F");
  EXPECT_EQ(data_of(tar, *index.find("x/../a/f")), "F");
}

TEST(TarIndex, PaxRecordLargerThanTheCap) {
  const std::string value((1 << 20) + 10, 'v');
  const std::string tar = TarWriter().pax({{"comment", value}}).file("a", "x").end().str();
  EXPECT_NE(build_error(tar).find("image.tar: corrupt tar: the pax header at offset 0 is 1048"), std::string::npos)
      << build_error(tar);
}

TEST(TarIndex, HugePaxClaimIsTruncationNotAllocation) {
  const std::string tar =
      TarWriter().header({.name = "p", .type = 'x', .size = uint64_t{1} << 40, .base256_size = true}).end().str();
  EXPECT_NE(build_error(tar).find("truncated tar: the pax header at offset 0 needs 1099511627776 bytes"),
            std::string::npos)
      << build_error(tar);
}

TEST(TarIndex, GnuLongNameLargerThanTheCap) {
  const std::string name((1 << 20) + 1, 'n');
  EXPECT_NE(build_error(TarWriter().gnu_long('L', name).file("a", "x").end().str()).find("GNU long name"),
            std::string::npos);
}

TEST(TarIndex, MalformedPaxRecords) {
  for (const std::string data : {"abc path=x\n", "99 path=x\n", "11 path=x\nZ", "0 path=x\n", "3 =\n", "10 pathx\n\n\n",
                                 "12 =value\n\n", "nospace", "5 a=b\n"}) {
    const std::string tar =
        TarWriter().header({.name = "p", .type = 'x', .size = data.size()}, data).file("a", "x").end().str();
    EXPECT_EQ(build_error(tar), "image.tar: corrupt tar: malformed pax header at offset 0") << data;
  }
  const std::string bad_size = pax_record("size", "12a");
  const std::string tar =
      TarWriter().header({.name = "p", .type = 'x', .size = bad_size.size()}, bad_size).file("a", "x").end().str();
  EXPECT_EQ(build_error(tar), "image.tar: corrupt tar: malformed pax header at offset 0");
}

TEST(TarIndex, LoneZeroBlockFollowedByHeaders) {
  const std::string tar = TarWriter().file("a", "x").raw(std::string(512, '\0')).file("b", "y").end().str();
  EXPECT_EQ(build_error(tar), "image.tar: corrupt tar: a lone zero block at offset 1024 is followed by more headers");
}

TEST(TarIndex, MetaHeaderWithoutEntry) {
  EXPECT_NE(build_error(TarWriter().file("a", "x").pax({{"path", "b"}}).end().str())
                .find("the pax header at offset 1024 is not followed by an entry"),
            std::string::npos);
  EXPECT_NE(build_error(TarWriter().gnu_long('L', "name").str()).find("not followed by an entry"), std::string::npos);
}

TEST(TarIndex, ErrorMessagesStayOnOneLine) {
  const std::string msg = build_error(TarWriter().file("a\nb/../c", "x").end().str());
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"a\\x0ab/../c\""), std::string::npos) << msg;
}

TEST(TarIndex, ErrorNamesTheSource) {
  EXPECT_EQ(build_error(std::string(100, 'z')).rfind("image.tar: ", 0), 0u);
  try {
    index_of("tiny", "/some/where/other.tar");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/some/where/other.tar: not a tar archive", 0), 0u) << e.what();
  }
}

TEST(NormalizeTarPath, Examples) {
  EXPECT_EQ(normalize_tar_path("./a//b/"), "a/b");
  EXPECT_EQ(normalize_tar_path("/a"), "a");
  EXPECT_EQ(normalize_tar_path("a/./b"), "a/b");
  EXPECT_EQ(normalize_tar_path("."), "");
  EXPECT_EQ(normalize_tar_path("a..b"), "a..b");
  EXPECT_THROW(normalize_tar_path("a/../b"), Error);
  EXPECT_THROW(normalize_tar_path(".."), Error);
  try {
    normalize_tar_path("x/..");
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tar path \"x/..\" has a \"..\" component");
  }
}

}  // namespace
}  // namespace ocipush
