// Formatters shared by everything that prints scores or problem lists (eval's table, report.html,
// the leaderboard, the readers' errors), so the same number or list reads the same everywhere.
#pragma once
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace r2 {

// A score in [0, 1] as the papers print it: 0.8123 → "81.2"; no value (or NaN) → "n/a".
inline std::string percent(double fraction) {
    return std::isnan(fraction) ? std::string("n/a") : fmt::format("{:.1f}", 100 * fraction);
}
inline std::string percent(const std::optional<double>& fraction) {
    return fraction ? percent(*fraction) : std::string("n/a");
}

// "3 problem(s) <what>:\n  first\n  second\n  third", at most `shown` listed, then "… and N more".
// The first line ends with ':' so that a one-line summary (the leaderboard's note) can find it.
inline std::string problem_list(const std::string& what, const std::vector<std::string>& problems, size_t shown = 20) {
    std::string text = fmt::format("{} problem(s) {}:", problems.size(), what);
    for (size_t i = 0; i < problems.size() && i < shown; ++i) text += "\n  " + problems[i];
    if (problems.size() > shown) text += fmt::format("\n  … and {} more", problems.size() - shown);
    return text;
}

}  // namespace r2
