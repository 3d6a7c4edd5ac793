// `r2bench serve`: the evaluation server. One process serves the pages and the JSON API
// (cpp-httplib) and supervises the worker processes that score the queue (server/worker.h); its
// state is in SQLite under the data folder (server/store.h), uploads and reports are files there:
//   DIR/r2bench.sqlite        teams, submissions, the queue, the event log (WAL)
//   DIR/uploads/<id>.zip      each upload, as received
//   DIR/results/<key>/        `r2bench score --report` of a zip, keyed by its content and the
//                             scoring setting (as the leaderboard's cache): a zip is scored once
//   DIR/jobs/<id>/attempt-<n>/ each worker's folder (its TMPDIR) and worker.log
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "reports/submission.h"
#include "server/store.h"
#include "server/worker.h"

namespace r2::server {

struct ServeOptions {
    std::filesystem::path data;
    ScoreOptions score;             // ground truth, split, pairs, zip limits
    std::string host = "127.0.0.1";
    int port = 8080;                // 0: any free port (written to DIR/address)
    int workers = 1;                // submissions scored at once
    int per_day = 5;                // submissions per team per 24 hours, unless the team has its own
    int64_t max_upload_bytes = int64_t(2) << 30;  // unless the team has its own
    int max_attempts = 3;           // worker deaths (kill -9, restarts) before a submission fails
    WorkerLimits limits;
    std::filesystem::path worker_binary;  // the r2bench executable the workers run
};

// Serves until SIGINT or SIGTERM; returns the exit code. Writes "http://HOST:PORT" to DIR/address
// once it listens.
int run_server(const ServeOptions& options);

// `serve --add-team NAME [--per-day N] [--max-upload-bytes B]`: creates the team (with its own
// limits where given) and returns its token.
std::string add_team(const std::filesystem::path& data, const std::string& name, bool admin, const TeamLimits& limits = {});
// `serve --set-limits NAME [--per-day N] [--max-upload-bytes B]`: replaces the team's own limits (one
// not given is the server's option again); returns the team. A running server applies them at once.
Team set_team_limits(const std::filesystem::path& data, const std::string& name, const TeamLimits& limits);

}  // namespace r2::server

namespace r2::server {
// `serve --export OUT`: the board as `r2bench leaderboard` writes it (leaderboard.{md,csv,html}),
// from the database; each row links to its report at the server (`base_url`).
void export_board(const std::filesystem::path& data, const std::filesystem::path& out, const std::string& base_url);
}  // namespace r2::server
