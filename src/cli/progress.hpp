// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and CI stay clean).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace flipguard::cli {

class Progress {
 public:
  Progress(std::string label, long total)
      : label_(std::move(label)), total_(total), enabled_(isatty(2) != 0) {}
  ~Progress() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\n");
  }
  // Adaptive campaigns learn their likely size as they go.
  void set_total(long total) { total_ = total; }
  void update(long done, const std::string& extra = "") {
    if (!enabled_ || total_ <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    const int width = 30, filled = static_cast<int>(width * std::min(done, total_) / total_);
    std::fprintf(stderr, "\r%s [%s%s] %ld/%ld %s", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total_, extra.c_str());
    std::fflush(stderr);
  }

 private:
  std::string label_;
  long total_;
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace flipguard::cli
