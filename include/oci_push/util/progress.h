// What the user sees on stderr while a push runs; behind an interface so tests and --quiet see nothing.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ocipush {

class Progress {
 public:
  virtual ~Progress() = default;
  // A one-off line: "pushing image.tar to host/app:1.0".
  virtual void event(const std::string& line) = 0;
  // A unit of byte-level work (a layer), then its progress and its outcome.
  virtual void start(size_t id, const std::string& label, uint64_t total) = 0;
  virtual void advance(size_t id, uint64_t done) = 0;
  virtual void finish(size_t id, const std::string& outcome) = 0;
};

// --quiet.
class SilentProgress : public Progress {
 public:
  void event(const std::string&) override {}
  void start(size_t, const std::string&, uint64_t) override {}
  void advance(size_t, uint64_t) override {}
  void finish(size_t, const std::string&) override {}
};

// stderr is not a terminal (CI logs): one line per event, and a line every few seconds for a long layer.
class LineProgress : public Progress {
 public:
  explicit LineProgress(std::FILE* out) : out_(out) {}
  void event(const std::string& line) override;
  void start(size_t id, const std::string& label, uint64_t total) override;
  void advance(size_t id, uint64_t done) override;
  void finish(size_t id, const std::string& outcome) override;

 private:
  struct Item {
    std::string label;
    uint64_t total = 0;
    std::chrono::steady_clock::time_point last_line;
  };
  Item& item(size_t id);
  std::FILE* out_;
  std::mutex mutex_;
  std::vector<Item> items_;
};

// A terminal: one redrawn bar per active layer.
class BarProgress : public Progress {
 public:
  explicit BarProgress(std::FILE* out) : out_(out) {}
  ~BarProgress() override;
  void event(const std::string& line) override;
  void start(size_t id, const std::string& label, uint64_t total) override;
  void advance(size_t id, uint64_t done) override;
  void finish(size_t id, const std::string& outcome) override;

 private:
  struct Item {
    size_t id;
    std::string label;
    uint64_t total = 0;
    uint64_t done = 0;
  };
  void erase_bars();
  void draw_bars();
  std::FILE* out_;
  std::mutex mutex_;
  std::vector<Item> active_;
  size_t drawn_lines_ = 0;
  std::chrono::steady_clock::time_point last_draw_;
};

std::unique_ptr<Progress> make_progress(bool quiet, std::FILE* out);
// "12.3 MiB"
std::string human_size(uint64_t bytes);

}  // namespace ocipush
