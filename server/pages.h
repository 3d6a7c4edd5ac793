// The server's HTML pages and their JSON twins. Every text that came from a team (names, methods,
// problem lists) goes through svg::escape; the pages load no inline script (the board's sorting is
// /static/board.js), so the Content-Security-Policy can forbid inline scripts outright.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/leaderboard.h"
#include "server/store.h"

namespace r2::server {

// What the viewer may see: nothing private (nullopt), their own team's, or everything (admin).
struct Viewer {
    std::optional<Team> team;
    bool sees_private(const Submission& s) const { return team && (team->admin || team->id == s.team_id); }
    bool admin() const { return team && team->admin; }
};

struct BoardEntry {
    Submission submission;
    LeaderboardRow row;  // ranked as `r2bench leaderboard` ranks
};

// The board: done, visible submissions ranked by J&F&R then J&F; name "team / method".
std::vector<BoardEntry> board_entries(const std::vector<Submission>& scored);

// A team's limits as its own pages and API show them (to the team and the organisers only): what
// applies, which of it is the team's own (else the server's option), and how many submissions
// count against the day's now.
struct TeamQuota {
    std::string team;
    Limits limits;
    TeamLimits own;
    int used_today = 0;
};

nlohmann::json quota_json(const TeamQuota& quota);
nlohmann::json board_json(const std::vector<BoardEntry>& board);
nlohmann::json submission_json(const Submission& s, const Viewer& viewer, int64_t queue_ahead);

std::string board_page(const std::vector<BoardEntry>& board, const Viewer& viewer);
// `signed_in`: the quota of the team the viewer is signed in as, shown instead of the server's limits.
std::string submit_page(const Limits& server, const std::optional<TeamQuota>& signed_in, const std::string& message = "");
std::string status_page(const Submission& s, const Viewer& viewer, int64_t queue_ahead);
// `quota`: given when the viewer may see the team's limits (its members, the organisers).
std::string team_page(const std::string& team, const std::vector<Submission>& history, const Viewer& viewer,
                      const std::optional<TeamQuota>& quota = std::nullopt);
std::string message_page(const std::string& title, const std::string& message);
extern const char* const kBoardScript;

// The problem list a team sees: the worker's log without progress lines and without the server's
// folders (the upload is "submission.zip").
std::string public_problems(const std::string& log, const std::string& upload_path, const std::string& data_dir);
// The last progress line of a worker's log ("" when none yet).
std::string last_progress(const std::string& log);

}  // namespace r2::server
