// The process's surroundings as a seam: environment variables, files, the clock, child processes.
// Credential code reads the world only through this, so its tests use literals (tests/unit/fake_environment.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ocipush {

struct ProcessResult {
  int exit_status = 0;  // 127: could not be started
  std::string out;
  std::string err;
};

class Environment {
 public:
  virtual ~Environment() = default;
  // Unset and empty variables are both nullopt.
  virtual std::optional<std::string> get(const std::string& name) const = 0;
  // nullopt when the file does not exist; Error when it exists but cannot be read, or is over max_size.
  virtual std::optional<std::string> read_file(const std::string& path, size_t max_size = 1 << 20) const = 0;
  // Replaces the file atomically, mode 0600, creating missing parent directories with mode 0700.
  virtual void write_private_file(const std::string& path, const std::string& content) = 0;
  virtual int64_t now() const = 0;  // epoch seconds
  virtual void sleep_ms(int64_t milliseconds) = 0;
  // Runs argv[0] (looked up on PATH) with `input` on stdin; never through a shell.
  virtual ProcessResult run(const std::vector<std::string>& argv, const std::string& input) = 0;
};

// The real process environment.
Environment& system_environment();

// $HOME, else the passwd entry's home directory; "" when neither is known.
std::string home_directory(const Environment& env);

}  // namespace ocipush
