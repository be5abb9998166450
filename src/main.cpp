// oci-push: the thin shell over the library. Errors become one line and an exit status here, only here.
#include <curl/curl.h>
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "oci_push/cli/subcommands.h"
#include "oci_push/util/error.h"
#include "oci_push/util/stop.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

void on_signal(int) { ocipush::request_stop(); }

}  // namespace

int main(int argc, char** argv) {
  // Large buffers (block slots, chunk buffers) are allocated once per layer and freed when it ends. A
  // fixed threshold keeps them in their own mappings, returned to the system when freed; glibc's
  // default raises the threshold after the first free and then parks them in per-thread arenas, which
  // added up to 11 MiB of peak RSS depending on which thread pushed which layer.
  mallopt(M_MMAP_THRESHOLD, 256 << 10);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int status;
  try {
    status = ocipush::run_cli(argc, argv, OCI_PUSH_VERSION, std::cout);
  } catch (const ocipush::Interrupted&) {
    std::fprintf(stderr, "oci-push: error: interrupted; nothing was tagged\n");
    status = kExitInterrupted;
  } catch (const ocipush::UsageError& e) {
    std::fprintf(stderr, "oci-push: error: %s\n", e.what());
    status = kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "oci-push: error: %s\n", e.what());
    status = kExitFailure;
  }
  curl_global_cleanup();
  return status;
}
