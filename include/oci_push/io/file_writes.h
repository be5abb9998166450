// Writing files so that readers and a crash never see half of one: whole files replaced by rename, and
// an advisory lock for read-modify-write cycles between processes.
#pragma once
#include <string>
#include <string_view>

namespace ocipush {

// The message of an errno value (thread-safe, unlike strerror).
std::string errno_text(int err);

// Writes `content` beside `path` and renames it over `path`. Throws Error naming the path (a full disk
// included); nothing is left behind on failure.
void replace_file(const std::string& path, std::string_view content, unsigned mode = 0644);

// flock(LOCK_EX) on `path` (created when absent) while alive; waits for another holder to let go.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Writes all of `data` at `offset` of `fd`; throws Error naming `path` (ENOSPC: "No space left on device").
void write_all_at(int fd, std::string_view data, unsigned long long offset, const std::string& path);

}  // namespace ocipush
