#include "oci_push/util/byte_pipe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "oci_push/util/lent_place.h"

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

// Counts what a writer's thread lends out, as a compressing layer's turn would be.
struct CountedPlace : LendablePlace {
  std::atomic<int> lent{0};
  std::atomic<int> taken_back{0};
  std::atomic<bool> held{true};
  bool lend() override {
    ++lent;
    held = false;
    return true;
  }
  void take_back() override {
    ++taken_back;
    held = true;
  }
};

TEST(BytePipe, AWriterThatWaitsLongOnAFullPipeLendsItsThreadsPlaceAndTakesItBack) {
  BytePipe pipe(4);
  CountedPlace place;
  std::atomic<bool> lent_while_blocked{false};
  std::thread writer([&] {
    PlaceLending lending(place);
    pipe.write("abcdefgh");  // 4 fit, the rest waits for the reader
    pipe.close();
  });
  // The reader comes late, as a slow network does.
  for (int i = 0; i < 200 && place.lent == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  lent_while_blocked = !place.held;
  std::string got;
  char buf[8];
  for (size_t n; (n = pipe.read(buf, sizeof buf)) > 0;) got.append(buf, n);
  writer.join();
  EXPECT_EQ(got, "abcdefgh");
  EXPECT_TRUE(lent_while_blocked);
  EXPECT_EQ(place.lent, 1);
  EXPECT_EQ(place.taken_back, 1);
  EXPECT_TRUE(place.held);
}

TEST(BytePipe, AWriteWithRoomLendsNothingAndNoPlaceIsLentAfterItsScopeEnded) {
  BytePipe pipe(16);
  CountedPlace place;
  {
    PlaceLending lending(place);
    pipe.write("abcd");
  }
  EXPECT_EQ(place.lent, 0);
  BytePipe small(2);
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    char buf[8];
    while (small.read(buf, sizeof buf) > 0) {
    }
  });
  small.write("abcdef");  // waits long, but the lending scope has ended: nothing to lend
  small.close();
  reader.join();
  EXPECT_EQ(place.lent, 0);
}

}  // namespace
}  // namespace ocipush
