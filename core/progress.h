// A progress bar on stderr for long work. It draws only when stderr is a terminal and
// nobody asked for quiet, so logs and pipes stay clean. Safe to advance from many threads.
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

    // Global switch (the CLI's --quiet).
    static void set_quiet(bool quiet);
    static bool enabled();

private:
    void draw(size_t done, bool final_line);

    std::string label_;
    size_t total_;
    std::atomic<size_t> done_{0};
    std::mutex draw_mutex_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool active_ = false;
    bool finished_ = false;
};

}  // namespace r2
