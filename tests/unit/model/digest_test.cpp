#include "oci_push/model/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace ocipush {
namespace {

constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_of("").str(), std::string("sha256:") + kEmpty);
  EXPECT_EQ(sha256_of("abc").str(), std::string("sha256:") + kAbc);
  EXPECT_EQ(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OneMillionAs) {
  EXPECT_EQ(sha256_of(std::string(1000000, 'a')).hex,
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, StreamingInPiecesEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>((i * 131 + 7) % 256);
  const Digest expected = sha256_of(data);
  for (size_t piece : {1u, 3u, 63u, 64u, 65u, 4096u, 99999u}) {
    Sha256 h;
    for (size_t off = 0; off < data.size(); off += piece) {
      h.update(std::string_view(data).substr(off, piece));
    }
    EXPECT_EQ(h.finish(), expected) << "piece " << piece;
  }
}

TEST(Sha256, EmptyUpdatesChangeNothing) {
  Sha256 h;
  h.update("");
  h.update(nullptr, 0);
  h.update("abc");
  h.update("");
  EXPECT_EQ(h.finish().hex, kAbc);
}

TEST(Sha256, MoveKeepsTheStream) {
  Sha256 a;
  a.update("ab");
  Sha256 b = std::move(a);
  b.update("c");
  EXPECT_EQ(b.finish().hex, kAbc);

  Sha256 c;
  c.update("zzz");
  c = Sha256();
  c.update("abc");
  EXPECT_EQ(c.finish().hex, kAbc);
}

TEST(Sha256, UseAfterFinishIsALogicError) {
  Sha256 h;
  h.finish();
  EXPECT_THROW(h.update("x"), std::logic_error);
  EXPECT_THROW(h.finish(), std::logic_error);
}

TEST(Digest, ParsesSha256AndSha512) {
  const auto d = Digest::parse(std::string("sha256:") + kAbc);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->hex, kAbc);
  EXPECT_EQ(d->str(), std::string("sha256:") + kAbc);

  const std::string hex512(128, 'a');
  const auto d512 = Digest::parse("sha512:" + hex512);
  ASSERT_TRUE(d512);
  EXPECT_EQ(d512->algorithm, "sha512");
}

TEST(Digest, ParseIsStrict) {
  const std::string abc = kAbc;
  EXPECT_FALSE(Digest::parse(""));
  EXPECT_FALSE(Digest::parse(abc));
  EXPECT_FALSE(Digest::parse("sha256:"));
  EXPECT_FALSE(Digest::parse("sha256:" + abc.substr(1)));
  EXPECT_FALSE(Digest::parse("sha256:" + abc + "0"));
  EXPECT_FALSE(Digest::parse("SHA256:" + abc));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'a') + "g"));
  EXPECT_FALSE(Digest::parse("sha256: " + abc.substr(1)));
  EXPECT_FALSE(Digest::parse("sha256:" + abc + "\n"));
  EXPECT_FALSE(Digest::parse("md5:" + abc));
  EXPECT_FALSE(Digest::parse("sha512:" + abc));
  EXPECT_FALSE(Digest::parse("sha256::" + abc));
}

TEST(Digest, ComparesByString) {
  const Digest a{"sha256", std::string(64, '0')};
  const Digest b{"sha256", std::string(64, '1')};
  EXPECT_TRUE(a < b);
  EXPECT_FALSE(b < a);
  EXPECT_EQ(a, a);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace ocipush
