#include "core/progress.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include <fmt/format.h>

namespace r2 {

namespace {
std::atomic<bool> g_quiet{false};
}

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }

double Progress::log_interval() {
    static const double seconds = [] {
        const char* env = std::getenv("R2BENCH_PROGRESS_INTERVAL");
        const double v = env ? std::atof(env) : 0.0;
        return v > 0 ? v : 5.0;
    }();
    return seconds;
}

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()), active_(!g_quiet && total > 0),
      terminal_(::isatty(STDERR_FILENO)), last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n) {
    const size_t done = done_ += n;
    if (!active_) return;
    // last_draw_ is written by whichever thread draws, so it is read only under the lock. try_lock
    // keeps workers from queueing here: when another thread is drawing, this one has nothing to add.
    std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || finished_) return;
    const auto now = std::chrono::steady_clock::now();
    const std::chrono::duration<double> every(terminal_ ? 0.1 : log_interval());
    if (now - last_draw_ < every && (done < total_ || !terminal_)) return;
    last_draw_ = now;
    if (terminal_) draw(done, false);
    else log_line(done);
}

void Progress::set_note(std::string note) {
    std::lock_guard<std::mutex> lock(draw_mutex_);
    note_ = std::move(note);
}

void Progress::log_line(size_t done) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    fmt::print(stderr, "{}: {}/{} ({:.0f}%), {:.0f} s{}{}\n", label_, done, total_,
               total_ ? 100.0 * double(std::min(done, total_)) / double(total_) : 100.0, seconds, note_.empty() ? "" : ", ", note_);
    std::fflush(stderr);
    logged_ = true;
}

void Progress::finish() {
    if (!active_) return;
    std::lock_guard<std::mutex> lock(draw_mutex_);
    if (finished_) return;
    finished_ = true;
    if (terminal_) draw(done_, true);
    else if (logged_) log_line(done_);
}

void Progress::draw(size_t done, bool final_line) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double fraction = total_ ? double(done) / double(total_) : 1.0;
    const int width = 30;
    const int filled = int(fraction * width + 0.5);
    const double rate = seconds > 0 ? double(done) / seconds : 0.0;
    const double eta = rate > 0 ? double(total_ - std::min(done, total_)) / rate : 0.0;
    fmt::print(stderr, "\r{:<18} [{}{}] {}/{} {:5.1f}/s {}{}{}{}", label_, std::string(size_t(filled), '#'),
               std::string(size_t(width - filled), '.'), done, total_, rate,
               final_line ? fmt::format("{:.1f}s", seconds) : fmt::format("eta {:.0f}s", eta), note_.empty() ? "" : "  ", note_,
               final_line ? "\n" : "   ");
    std::fflush(stderr);
}

}  // namespace r2
