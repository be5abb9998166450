// oci-push: the thin shell over the library. Errors become one line and an exit status here, only here.
#include <curl/curl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "oci_push/cli/push_command.h"
#include "oci_push/cli/cli_common.h"
#include "oci_push/cli/cli_auth.h"
#include "oci_push/util/error.h"
#include "oci_push/util/stop.h"
#include "oci_push/cli/inspect.h"
#include "oci_push/transfer/push.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

void on_signal(int) { ocipush::request_stop(); }


void write_digest_file(const std::string& path, const ocipush::PushResult& result) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& r : result.repositories) out << r.manifest.digest.str() << "\n";
  if (!out.flush()) throw ocipush::Error(path + ": cannot write the digest file");
}

int run_push_command(int argc, char** argv) {
  using namespace ocipush;
  auto command = parse_command_line(argc, argv);
  if (command.action == CliCommand::Action::Help) {
    std::cout << help_text();
    return 0;
  }
  if (command.action == CliCommand::Action::Version) {
    std::cout << "oci-push " << OCI_PUSH_VERSION << "\n";
    return 0;
  }
  if (command.password_stdin) {
    Credentials credentials;
    credentials.username = command.username;
    credentials.password = ocipush::read_secret_line(std::cin);
    command.push.connection.auth.credentials = std::move(credentials);
  }

  auto progress = make_progress(command.quiet, stderr);
  HttpLogger http_log;
  if (command.verbose) http_log = [&](const std::string& line) { progress->event(line); };
  auto result = run_push(command.push, *progress, http_log);
  std::cout << format_push_result(result, command.json) << std::flush;
  if (!command.digest_file.empty()) write_digest_file(command.digest_file, result);
  return 0;
}

// Subcommands other than push each live in a file of their own (cli_*.cpp).
int run(int argc, char** argv) {
  const std::string subcommand = argc > 1 ? argv[1] : "";
  if (subcommand == "inspect") return ocipush::run_inspect(argc - 1, argv + 1);
  if (subcommand == "login") return ocipush::run_login(argc - 1, argv + 1);
  if (subcommand == "ecr" || subcommand == "ecr-public") return ocipush::run_ecr(argc - 1, argv + 1);
  return run_push_command(argc, argv);
}

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
    status = run(argc, argv);
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
