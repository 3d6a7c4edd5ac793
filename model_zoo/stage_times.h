// Seconds per model stage, accumulated over calls (for `bench model`), and the scope timer that
// adds to them. Shared by every assembled model.
#pragma once
#include <chrono>
#include <map>
#include <string>

namespace r2::nn {

using StageTimes = std::map<std::string, double>;

// Adds the seconds of its scope to times[stage] (when times is given).
class StageTimer {
public:
    StageTimer(StageTimes* times, const char* stage) : times_(times), stage_(stage), start_(std::chrono::steady_clock::now()) {}
    ~StageTimer() {
        if (times_) (*times_)[stage_] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    StageTimer(const StageTimer&) = delete;
    StageTimer& operator=(const StageTimer&) = delete;

private:
    StageTimes* times_;
    const char* stage_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace r2::nn
