#include "oci_push/util/byte_pipe.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace ocipush {
namespace {

TEST(BytePipe, CarriesEverythingInOrderThroughASmallRing) {
  BytePipe pipe(7);  // smaller than one write: the writer waits for the reader
  std::string sent;
  for (int i = 0; i < 500; ++i) sent += std::to_string(i) + ",";
  std::thread writer([&] {
    for (size_t at = 0; at < sent.size(); at += 13) pipe.write(std::string_view(sent).substr(at, 13));
    pipe.close();
  });
  std::string got;
  char buf[5];
  for (size_t n; (n = pipe.read(buf, sizeof buf)) > 0;) got.append(buf, n);
  writer.join();
  EXPECT_EQ(got, sent);
  EXPECT_FALSE(pipe.wait_for_data());
}

TEST(BytePipe, WaitForDataSeesBytesThenTheEnd) {
  BytePipe pipe(16);
  pipe.write("ab");
  EXPECT_TRUE(pipe.wait_for_data());
  char buf[4];
  EXPECT_EQ(pipe.read(buf, sizeof buf), 2u);
  pipe.close();
  EXPECT_FALSE(pipe.wait_for_data());
  EXPECT_EQ(pipe.read(buf, sizeof buf), 0u);
}

TEST(BytePipe, AnAbortWakesABlockedWriterAndReaderWithItsError) {
  BytePipe pipe(4);
  pipe.write("full");
  std::thread aborter([&] { pipe.abort(std::make_exception_ptr(std::runtime_error("sender failed"))); });
  EXPECT_THROW(pipe.write("more"), std::runtime_error);  // was blocked: the ring is full
  aborter.join();
  char buf[4];
  EXPECT_THROW(pipe.read(buf, sizeof buf), std::runtime_error);
  EXPECT_THROW(pipe.wait_for_data(), std::runtime_error);
}

}  // namespace
}  // namespace ocipush
