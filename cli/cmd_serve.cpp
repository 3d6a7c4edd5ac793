// `serve`: the evaluation server (server/server.h); also its admin commands (--add-team,
// --set-limits, --export).
#include <unistd.h>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "server/server.h"

namespace r2::cli {
namespace {

// "1 submission per 24 hours, uploads up to the server's --max-upload-bytes": what a team's own
// limits are, for the admin commands to print.
std::string limits_text(const server::TeamLimits& l) {
    const std::string per_day = l.per_day ? fmt::format("{} submission{} per 24 hours", *l.per_day, *l.per_day == 1 ? "" : "s")
                                          : "the server's --per-day submissions per 24 hours";
    const std::string upload = l.max_upload_bytes ? fmt::format("uploads up to {} bytes", *l.max_upload_bytes)
                                                  : "uploads up to the server's --max-upload-bytes";
    return per_day + ", " + upload;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
    struct Options {
        server::ServeOptions serve;
        std::string data, add_team, set_limits, export_dir, base_url;
        bool admin = false;
        int64_t worker_memory_mb = 8192, worker_file_mb = 16384;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "serve");
    cmd->footer(
        "Pages: / (the board, sortable), /submit (the form), /submissions/ID (status), /teams/NAME (history). JSON: "
        "GET /api/leaderboard, POST /api/submissions (multipart: method, zip; Authorization: Bearer TOKEN), "
        "GET /api/submissions/ID, POST /api/submissions/ID/withdraw, POST /api/submissions/ID/hide|show (admin). "
        "Each submission is scored by a worker process (`r2bench score`) under --worker-* limits; the queue lives in "
        "DATA/r2bench.sqlite and survives kill -9 of a worker or of the server; withdrawing a submission being scored kills its "
        "worker. Teams are created from the command line: --add-team NAME prints its token once. --per-day and "
        "--max-upload-bytes are the server's limits for every team; given with --add-team NAME or --set-limits NAME they are "
        "that team's own (a limit not given is the server's option), shown to the team on /submit, /teams/NAME and "
        "GET /api/teams/NAME.\n\nExamples:\n"
        "  r2bench serve --source data/ref-youtube-vos --pairs r2/r2_pairs.json --data /srv/r2bench --port 8080\n"
        "  r2bench serve --data /srv/r2bench --add-team \"lab one\" --per-day 2 --max-upload-bytes 500000000\n"
        "  r2bench serve --data /srv/r2bench --set-limits \"lab one\" --per-day 10\n"
        "  r2bench serve --data /srv/r2bench --export /srv/r2bench/export --base-url https://r2.example.org\n\n"
        "Example (on the data of scripts/demo.sh, from the repository root):\n"
        "  r2bench serve --data build/demo/server --add-team lab1");
    add_source_option(cmd, o->serve.score.gt, "Ground truth (as `score --source`); needed to serve");
    cmd->add_option("--split", o->serve.score.split, "Split of the ground-truth root (default: the one --pairs was built on, else valid)");
    cmd->add_option("--pairs", o->serve.score.pairs, "r2_pairs.json (R and J&F&R)");
    cmd->add_option("--data", o->data, "Folder of the server's state: database, uploads, results (created)")->required();
    cmd->add_option("--host", o->serve.host, "Address to listen on")->capture_default_str();
    non_negative(cmd->add_option("--port", o->serve.port, "Port (0: any free one, written to DATA/address)"))->capture_default_str();
    at_least(cmd->add_option("--workers", o->serve.workers, "Submissions scored at once"), 1)->capture_default_str();
    CLI::Option* per_day = at_least(cmd->add_option("--per-day", o->serve.per_day,
                                                    "Submissions per team in 24 hours (failed ones do not count); with "
                                                    "--add-team or --set-limits: that team's own"),
                                    1);
    per_day->capture_default_str();
    CLI::Option* max_upload = at_least(cmd->add_option("--max-upload-bytes", o->serve.max_upload_bytes,
                                                       "Largest zip accepted (refused while streaming); with --add-team or "
                                                       "--set-limits: that team's own"),
                                       1);
    max_upload->capture_default_str();
    at_least(cmd->add_option("--max-attempts", o->serve.max_attempts, "Worker deaths (kill -9, restarts) before a submission fails"), 1)
        ->capture_default_str();
    at_least(cmd->add_option("--worker-cpu-s", o->serve.limits.cpu_seconds, "CPU seconds a worker may use (RLIMIT_CPU)"), 1)
        ->capture_default_str();
    at_least(cmd->add_option("--worker-memory-mb", o->worker_memory_mb, "Address space of a worker in MiB (RLIMIT_AS)"), 64)
        ->capture_default_str();
    at_least(cmd->add_option("--worker-file-mb", o->worker_file_mb, "Largest file a worker may write, MiB (RLIMIT_FSIZE)"), 1)
        ->capture_default_str();
    at_least(cmd->add_option("--worker-timeout-s", o->serve.limits.wall_seconds, "Wall-clock seconds before a worker is killed"), 1)
        ->capture_default_str();
    non_negative(cmd->add_option("--max-entries", o->serve.score.limits.max_entries, "Refuse zips with more entries"))->capture_default_str();
    non_negative(cmd->add_option("--max-total-bytes", o->serve.score.limits.max_total_bytes, "Refuse zips inflating to more bytes"))
        ->capture_default_str();
    non_negative(cmd->add_option("--max-png-bytes", o->serve.score.limits.max_png_bytes, "Refuse a PNG larger than this"))->capture_default_str();
    cmd->add_flag("--allow-missing", o->serve.score.allow_missing, "As `score --allow-missing`");
    CLI::Option* add = cmd->add_option("--add-team", o->add_team,
                                       "Create a team, print its token once and exit (the server may be running); with --per-day "
                                       "and --max-upload-bytes its own limits");
    cmd->add_option("--set-limits", o->set_limits,
                    "Set an existing team's own --per-day and --max-upload-bytes (one not given: the server's option again), "
                    "print them and exit; a running server applies them at once")
        ->excludes(add);
    cmd->add_flag("--admin", o->admin, "With --add-team: the token may also hide and show rows");
    cmd->add_option("--export", o->export_dir, "Write leaderboard.{md,csv,html} of the board into this folder and exit");
    cmd->add_option("--base-url", o->base_url, "With --export: the server's address, prefixed to the report links");
    cmd->callback([o, cmd, per_day, max_upload, &exit_code] {
        o->serve.data = o->data;
        // The team's own limits: those given on the command line, the server's option for the others.
        server::TeamLimits limits;
        if (per_day->count() > 0) limits.per_day = o->serve.per_day;
        if (max_upload->count() > 0) limits.max_upload_bytes = o->serve.max_upload_bytes;
        if (!o->add_team.empty()) {
            const std::string token = server::add_team(o->data, o->add_team, o->admin, limits);
            // The token stays the last line (scripts take it with `tail -1`).
            fmt::print("team '{}' created{} (its limits: {}). Its token (shown only now; the server stores its SHA-256):\n{}\n", o->add_team,
                       o->admin ? " with admin rights" : "", limits_text(limits), token);
            exit_code = 0;
            return;
        }
        if (!o->set_limits.empty()) {
            const server::Team team = server::set_team_limits(o->data, o->set_limits, limits);
            fmt::print("team '{}': {}\n", team.name, limits_text(team.limits));
            exit_code = 0;
            return;
        }
        if (!o->export_dir.empty()) {
            server::export_board(o->data, o->export_dir, o->base_url);
            fmt::print("wrote {}/leaderboard.{{md,csv,html}}\n", o->export_dir);
            exit_code = 0;
            return;
        }
        if (o->serve.score.gt.empty())
            throw Error("serve: --source is needed to serve (only --add-team, --set-limits and --export work without it)");
        resolve_from_pairs(cmd, "--split", o->serve.score.split, o->serve.score.pairs, "split");
        o->serve.limits.memory_bytes = o->worker_memory_mb << 20;
        o->serve.limits.file_bytes = o->worker_file_mb << 20;
        std::error_code ec;
        o->serve.worker_binary = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (ec) throw Error("serve: cannot find its own executable (/proc/self/exe) to run the workers");
        // Workers run in their own folders: every path they get is absolute.
        o->serve.score.gt = std::filesystem::absolute(o->serve.score.gt);
        if (!o->serve.score.pairs.empty()) o->serve.score.pairs = std::filesystem::absolute(o->serve.score.pairs);
        o->serve.data = std::filesystem::absolute(o->serve.data);
        exit_code = server::run_server(o->serve);
    });
}

}  // namespace r2::cli
