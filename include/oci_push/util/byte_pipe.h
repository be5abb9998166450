// A bounded pipe of bytes from one producer thread to one consumer thread (a compressor to an HTTP
// body): memory stays at its capacity whatever passes through it.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <string_view>
#include <vector>

namespace ocipush {

class BytePipe {
 public:
  explicit BytePipe(size_t capacity);

  // Blocks while the pipe is full. Throws what abort() was given, once either side aborted.
  void write(std::string_view data);
  // No more data: the reader gets what is left, then 0.
  void close();
  // Blocks until there are bytes, the end, or an abort (then throws its error). Up to `len` bytes.
  size_t read(char* buf, size_t len);
  // Blocks until there are bytes (true) or the pipe is closed and drained (false); throws after an abort.
  bool wait_for_data();
  // Either side gives up: both sides wake, and their next write or read throws `why`.
  void abort(std::exception_ptr why);

 private:
  void throw_if_aborted() const;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<char> ring_;
  size_t head_ = 0;  // next byte to read
  size_t size_ = 0;  // bytes held
  bool closed_ = false;
  std::exception_ptr aborted_;
};

}  // namespace ocipush
