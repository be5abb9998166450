#include "oci_push/util/environment.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "oci_push/util/error.h"

extern char** environ;

namespace ocipush {
namespace {

constexpr size_t kMaxProcessOutput = 1 << 20;

void make_private_dirs(const std::filesystem::path& dir) {
  if (dir.empty() || std::filesystem::exists(dir)) return;
  make_private_dirs(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw Error(dir.string() + ": cannot create the directory: " + std::strerror(errno));
}

// A child's stdin, stdout and stderr; [0] is each pipe's reading end, [1] its writing end.
struct ChildPipes {
  int in[2], out[2], err[2];
};

ChildPipes make_child_pipes() {
  ChildPipes p;
  if (::pipe2(p.in, O_CLOEXEC) != 0 || ::pipe2(p.out, O_CLOEXEC) != 0 || ::pipe2(p.err, O_CLOEXEC) != 0)
    throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  return p;
}

// Starts argv[0] (looked up on PATH) on the child's ends of `pipes`; posix_spawnp's 0 or error number.
int spawn_child(const std::vector<std::string>& argv, const ChildPipes& pipes, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipes.in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, pipes.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipes.err[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

// Feed stdin and drain stdout/stderr together, so neither side can block the other.
void exchange_with_child(int in_fd, int out_fd, int err_fd, const std::string& input, ProcessResult& result) {
  size_t written = 0;
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  int fds[2] = {out_fd, err_fd};
  std::string* sinks[2] = {&result.out, &result.err};
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd p[3];
    int n = 0;
    for (int i = 0; i < 2; ++i) p[n++] = {fds[i], POLLIN, 0};
    p[n++] = {in_fd, POLLOUT, 0};
    if (::poll(p, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t got = ::read(fds[i], buf, sizeof buf);
      if (got <= 0) {
        ::close(fds[i]);
        fds[i] = -1;
      } else if (sinks[i]->size() < kMaxProcessOutput) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      }
    }
    if (in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t put = ::write(in_fd, input.data() + written, input.size() - written);
      if (put > 0) written += static_cast<size_t>(put);
      if (put < 0 && errno != EAGAIN && errno != EINTR) written = input.size();
      if (written >= input.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
}

// The exit status, or 128 + the signal that ended the child, as a shell reports it.
int wait_for_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class SystemEnvironment : public Environment {
 public:
  std::optional<std::string> get(const std::string& name) const override {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  }

  std::optional<std::string> read_file(const std::string& path, size_t max_size) const override {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
      throw Error(path + ": cannot read: " + std::strerror(errno));
    }
    std::string text(max_size + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(max_size + 1));
    if (in.bad()) throw Error(path + ": cannot read");
    if (static_cast<size_t>(in.gcount()) > max_size)
      throw Error(path + ": larger than " + std::to_string(max_size) + " bytes");
    text.resize(static_cast<size_t>(in.gcount()));
    return text;
  }

  void write_private_file(const std::string& path, const std::string& content) override {
    const std::filesystem::path target(path);
    make_private_dirs(target.parent_path());
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(tmp + ": cannot create: " + std::strerror(errno));
    ::fchmod(fd, 0600);
    size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(tmp + ": cannot write: " + std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      throw Error(path + ": cannot write: " + std::strerror(errno));
    }
  }

  int64_t now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void sleep_ms(int64_t milliseconds) override { std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds)); }

  ProcessResult run(const std::vector<std::string>& argv, const std::string& input) override {
    const ChildPipes pipes = make_child_pipes();
    pid_t pid = 0;
    const int rc = spawn_child(argv, pipes, pid);
    ::close(pipes.in[0]);
    ::close(pipes.out[1]);
    ::close(pipes.err[1]);
    ProcessResult result;
    if (rc != 0) {
      ::close(pipes.in[1]);
      ::close(pipes.out[0]);
      ::close(pipes.err[0]);
      result.exit_status = 127;
      result.err = std::strerror(rc);
      return result;
    }
    exchange_with_child(pipes.in[1], pipes.out[0], pipes.err[0], input, result);
    result.exit_status = wait_for_exit(pid);
    return result;
  }
};

}  // namespace

Environment& system_environment() {
  static SystemEnvironment env;
  return env;
}

std::string home_directory(const Environment& env) {
  if (auto home = env.get("HOME")) return *home;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return {};
}

}  // namespace ocipush
