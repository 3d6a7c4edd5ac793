#include "core/progress.h"

#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

namespace r2 {

namespace {
std::atomic<bool> g_quiet{false};
}

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }
bool Progress::enabled() { return !g_quiet && ::isatty(STDERR_FILENO); }

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()), last_draw_(start_),
      active_(enabled() && total > 0) {}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n) {
    const size_t done = done_ += n;
    if (!active_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || finished_) return;
    last_draw_ = now;
    draw(done, false);
}

void Progress::finish() {
    if (!active_) return;
    std::lock_guard<std::mutex> lock(draw_mutex_);
    if (finished_) return;
    finished_ = true;
    draw(done_, true);
}

void Progress::draw(size_t done, bool final_line) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double fraction = total_ ? double(done) / double(total_) : 1.0;
    const int width = 30;
    const int filled = int(fraction * width + 0.5);
    const double rate = seconds > 0 ? double(done) / seconds : 0.0;
    const double eta = rate > 0 ? double(total_ - std::min(done, total_)) / rate : 0.0;
    fmt::print(stderr, "\r{:<18} [{}{}] {}/{} {:5.1f}/s {}{}", label_, std::string(size_t(filled), '#'),
               std::string(size_t(width - filled), '.'), done, total_, rate,
               final_line ? fmt::format("{:.1f}s", seconds) : fmt::format("eta {:.0f}s", eta),
               final_line ? "\n" : "   ");
    std::fflush(stderr);
}

}  // namespace r2
