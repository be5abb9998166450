#include "oci_push/util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cinttypes>

namespace ocipush {

namespace {
constexpr auto kLineInterval = std::chrono::seconds(5);
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;
}  // namespace

std::string human_size(uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buf;
}

std::unique_ptr<Progress> make_progress(bool quiet, std::FILE* out) {
  if (quiet) return std::make_unique<SilentProgress>();
  if (isatty(fileno(out))) return std::make_unique<BarProgress>(out);
  return std::make_unique<LineProgress>(out);
}

LineProgress::Item& LineProgress::item(size_t id) {
  if (items_.size() <= id) items_.resize(id + 1);
  return items_[id];
}

void LineProgress::event(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void LineProgress::start(size_t id, const std::string& label, uint64_t total) {
  std::lock_guard lock(mutex_);
  auto& it = item(id);
  it.label = label;
  it.total = total;
  it.last_line = std::chrono::steady_clock::now();
}

void LineProgress::advance(size_t id, uint64_t done) {
  std::lock_guard lock(mutex_);
  auto& it = item(id);
  auto now = std::chrono::steady_clock::now();
  if (now - it.last_line < kLineInterval) return;
  it.last_line = now;
  int percent = it.total ? static_cast<int>(done * 100 / it.total) : 100;
  std::fprintf(out_, "%s: %d%% (%s of %s)\n", it.label.c_str(), percent, human_size(done).c_str(),
               human_size(it.total).c_str());
  std::fflush(out_);
}

void LineProgress::finish(size_t id, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s: %s\n", item(id).label.c_str(), outcome.c_str());
  std::fflush(out_);
}

BarProgress::~BarProgress() {
  std::lock_guard lock(mutex_);
  erase_bars();
}

void BarProgress::erase_bars() {
  for (size_t i = 0; i < drawn_lines_; ++i) std::fputs("\033[1A\r\033[2K", out_);
  drawn_lines_ = 0;
}

void BarProgress::draw_bars() {
  for (const auto& it : active_) {
    int filled = it.total ? static_cast<int>(it.done * kBarWidth / it.total) : kBarWidth;
    std::string bar(static_cast<size_t>(filled), '=');
    bar.resize(kBarWidth, ' ');
    std::fprintf(out_, "%s [%s] %s / %s\n", it.label.c_str(), bar.c_str(), human_size(it.done).c_str(),
                 human_size(it.total).c_str());
  }
  drawn_lines_ = active_.size();
  std::fflush(out_);
  last_draw_ = std::chrono::steady_clock::now();
}

void BarProgress::event(const std::string& line) {
  std::lock_guard lock(mutex_);
  erase_bars();
  std::fprintf(out_, "%s\n", line.c_str());
  draw_bars();
}

void BarProgress::start(size_t id, const std::string& label, uint64_t total) {
  std::lock_guard lock(mutex_);
  erase_bars();
  active_.push_back({id, label, total, 0});
  draw_bars();
}

void BarProgress::advance(size_t id, uint64_t done) {
  std::lock_guard lock(mutex_);
  for (auto& it : active_)
    if (it.id == id) it.done = done;
  if (std::chrono::steady_clock::now() - last_draw_ < kRedrawInterval) return;
  erase_bars();
  draw_bars();
}

void BarProgress::finish(size_t id, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  erase_bars();
  auto it = std::find_if(active_.begin(), active_.end(), [id](const Item& i) { return i.id == id; });
  if (it != active_.end()) {
    std::fprintf(out_, "%s: %s\n", it->label.c_str(), outcome.c_str());
    active_.erase(it);
  }
  draw_bars();
}

}  // namespace ocipush
