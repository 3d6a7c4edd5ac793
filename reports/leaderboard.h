// `r2bench leaderboard`: scores every submission in a folder (zips and folders), caches results
// by content hash (a rerun scores only new or changed ones), ranks by J&F&R (ties by J&F; by J&F
// alone without pairs) and writes leaderboard.md, leaderboard.csv and leaderboard.html.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "reports/submission.h"

namespace r2 {

struct LeaderboardRow {
    std::string name;
    std::string hash;
    bool cached = false;
    std::string error;  // non-empty: the submission could not be scored
    std::optional<double> j, f, jf, r, jfr;
};

std::vector<LeaderboardRow> build_leaderboard(const std::filesystem::path& submissions, const std::filesystem::path& out,
                                              const ScoreOptions& options);

// Ranking: scored rows by J&F&R then J&F (descending), then name; failed rows last, by name.
void rank_leaderboard(std::vector<LeaderboardRow>& rows);
std::string leaderboard_markdown(const std::vector<LeaderboardRow>& rows);
std::string leaderboard_csv(const std::vector<LeaderboardRow>& rows);
std::string leaderboard_html(const std::vector<LeaderboardRow>& rows);

}  // namespace r2
