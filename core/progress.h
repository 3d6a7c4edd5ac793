// Progress of long work on stderr, unless --quiet. On a terminal: a bar redrawn in place. Off a
// terminal (CI and Slurm logs): one short line every few seconds ("label: 120/5988 frames (2%),
// 5 s"), and none for work that ends sooner, so short commands and pipes stay clean. Safe to
// advance from many threads. `total` counts the same things the command's summary counts.
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace r2 {

class Progress {
public:
    Progress(std::string label, size_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(size_t n = 1);
    void finish();
    // A short text shown after the count (training: "loss 3.21"); kept until replaced.
    void set_note(std::string note);

    // Global switch (the CLI's --quiet).
    static void set_quiet(bool quiet);
    // Seconds between log lines off a terminal (default 5; R2BENCH_PROGRESS_INTERVAL overrides it).
    static double log_interval();

private:
    void draw(size_t done, bool final_line);
    void log_line(size_t done);

    std::string label_;
    size_t total_;
    std::atomic<size_t> done_{0};
    std::chrono::steady_clock::time_point start_;
    bool active_ = false;
    bool terminal_ = false;
    // Guards everything below: advance() runs on many threads, and one of them at a time draws.
    std::mutex draw_mutex_;
    std::chrono::steady_clock::time_point last_draw_;
    bool logged_ = false;  // off a terminal: whether a line was printed (then the end gets one too)
    bool finished_ = false;
    std::string note_;  // under draw_mutex_
};

}  // namespace r2
