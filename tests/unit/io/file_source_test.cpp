#include "oci_push/io/file_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

namespace fs = std::filesystem;

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "oci_push_file_source_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& data) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }

  fs::path dir_;
};

std::string read_range(const ByteSource& s, uint64_t offset, size_t len) {
  std::string buf(len, '?');
  buf.resize(s.read_at(offset, buf.data(), len));
  return buf;
}

TEST_F(FileSourceTest, ReadsAtOffsets) {
  const std::string path = write("f.bin", "0123456789");
  const FileSource f(path);
  EXPECT_EQ(f.size(), 10u);
  EXPECT_EQ(f.name(), path);
  EXPECT_EQ(read_range(f, 0, 4), "0123");
  EXPECT_EQ(read_range(f, 7, 100), "789");
  EXPECT_EQ(read_range(f, 10, 5), "");
  EXPECT_EQ(read_range(f, 1u << 30, 5), "");
}

TEST_F(FileSourceTest, EmptyFile) {
  const FileSource f(write("empty", ""));
  EXPECT_EQ(f.size(), 0u);
  EXPECT_EQ(read_range(f, 0, 10), "");
}

TEST_F(FileSourceTest, MissingFileNamesThePath) {
  const std::string path = (dir_ / "nope.tar").string();
  try {
    FileSource f(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": No such file or directory");
  }
}

TEST_F(FileSourceTest, DirectoryIsRefused) {
  try {
    FileSource f(dir_.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir_.string() + ": Is a directory");
  }
}

TEST_F(FileSourceTest, ConcurrentReads) {
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 % 251);
  const FileSource f(write("big", data));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t off = static_cast<size_t>(t) * 1000; off < data.size(); off += 65536) {
        if (read_range(f, off, 4096) != data.substr(off, 4096)) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace ocipush
