// The real libcurl client against a loopback socket that accepts and never answers: what a transfer
// aborted by the run's stop flag throws.
#include "oci_push/http/curl_http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

// Listens on 127.0.0.1 (a free port); the kernel completes connections, nobody reads or answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw Error("cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v2/"; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(CurlHttpClient, ATransferAbortedByTheStopFlagIsAnInterruptionNotANetworkError) {
  SilentServer server;
  std::atomic<bool> stop{false};
  CurlHttpClient client(TlsOptions{}, nullptr, HttpTimeouts{}, &stop);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(client.send({"GET", server.url(), {}, {}}), Interrupted);
  stopper.join();
  // libcurl asks its progress callback at least once a second: the stop is seen well before any timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(CurlHttpClient, ATimeoutWithoutAStopIsStillANetworkError) {
  SilentServer server;
  std::atomic<bool> stop{false};
  CurlHttpClient client(TlsOptions{}, nullptr, HttpTimeouts{}, &stop);
  HttpRequest request{"GET", server.url(), {}, {}};
  request.deadline = std::chrono::milliseconds(300);
  try {
    client.send(request);
    ADD_FAILURE() << "a server that never answers was answered";
  } catch (const Interrupted&) {
    ADD_FAILURE() << "a timeout was taken for an interruption";
  } catch (const NetworkError& e) {
    EXPECT_EQ(e.kind(), NetworkError::Kind::Timeout) << e.what();
  }
}

}  // namespace
}  // namespace ocipush
