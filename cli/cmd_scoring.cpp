// `score`, `leaderboard` and `regress`: organisers' and CI's uses of the metrics.
#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "reports/eval_report.h"
#include "reports/leaderboard.h"
#include "reports/regress.h"
#include "reports/submission.h"

namespace r2::cli {

namespace {

void add_score_options(CLI::App* cmd, ScoreOptions& o) {
    cmd->add_option("--gt", o.gt, "Ground truth (as `eval --gt`)")->required();
    cmd->add_option("--split", o.split, "Split of the ground-truth root")->capture_default_str();
    cmd->add_option("--pairs", o.pairs, "r2_pairs.json (enables R and J&F&R)");
    cmd->add_flag("--allow-missing", o.allow_missing, "Score missing predictions as empty masks");
    cmd->add_option("--max-entries", o.limits.max_entries, "Refuse zips with more entries")->capture_default_str();
    cmd->add_option("--max-total-bytes", o.limits.max_total_bytes, "Refuse zips inflating to more bytes")->capture_default_str();
    cmd->add_option("--max-png-bytes", o.limits.max_png_bytes, "Refuse a PNG larger than this")->capture_default_str();
}

}  // namespace

void add_score_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string submission, out;
        ScoreOptions score;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("score", "Score one leaderboard submission (a .zip or a folder) safely");
    cmd->footer("The zip holds Annotations/<video>/<exp_id>/<frame>.png (and Negatives/… for R²), at its top or inside "
                "one folder. Unsafe zips are refused before anything is extracted.\n\nExample:\n"
                "  r2bench score submission.zip --gt data/ref-youtube-vos --pairs r2/r2_pairs.json --out scores/team1");
    cmd->add_option("submission", o->submission, "Submission .zip or folder")->required();
    add_score_options(cmd, o->score);
    cmd->add_option("--out", o->out, "Folder for the report")->required();
    cmd->callback([o, &exit_code] {
        const EvalResult result = score_submission(o->submission, o->out, o->score);
        fmt::print("{}", eval_table(result));
        fmt::print("wrote {}/summary.json and friends\n", o->out);
        exit_code = 0;
    });
}

void add_leaderboard_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string dir, out;
        ScoreOptions score;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("leaderboard", "Score every submission in a folder and rank them by J&F&R");
    cmd->footer("Results are cached in OUT/cache by content hash: a rerun scores only new or changed submissions. A broken "
                "submission gets its row with the error and does not stop the others.");
    cmd->add_option("dir", o->dir, "Folder of submissions (.zip files and folders)")->required();
    add_score_options(cmd, o->score);
    cmd->add_option("--out", o->out, "Folder for leaderboard.{md,csv,html}, cache/ and submissions/")->required();
    cmd->callback([o, &exit_code] {
        const auto rows = build_leaderboard(o->dir, o->out, o->score);
        fmt::print("{}", leaderboard_markdown(rows));
        fmt::print("wrote {}/leaderboard.{{md,csv,html}}\n", o->out);
        exit_code = 0;
    });
}

void add_regress_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string baseline, current, tol = "1e-6";
        bool update = false, exact = false, all = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("regress", "Fail CI when a metric table drifts from its committed baseline");
    cmd->footer("Exit codes: 0 within tolerance (improvements are reported), 1 a metric regressed (or, with --exact, "
                "changed at all), 2 malformed input. Tolerances are in percentage points.\n\nExample:\n"
                "  r2bench regress --baseline ci/metrics_baseline.json --current eval/summary.json --tol J=0.5,R=1.0");
    cmd->add_option("--baseline", o->baseline, "The committed summary.json")->required();
    cmd->add_option("--current", o->current, "The new summary.json")->required();
    cmd->add_option("--tol", o->tol, "Tolerance in points: one number, or METRIC=POINTS,…")->capture_default_str();
    cmd->add_flag("--update", o->update, "Rewrite the baseline with the current summary (atomically)");
    cmd->add_flag("--exact", o->exact, "Also fail on improvements beyond tolerance");
    cmd->add_flag("--all", o->all, "List unchanged metrics too");
    cmd->callback([o, &exit_code] {
        try {
            if (o->update) {
                const std::string current = read_file(o->current);
                compare_summaries(o->current, o->current, parse_tolerance(o->tol));  // validates it
                write_file_atomically(o->baseline, current);
                fmt::print("updated {}\n", o->baseline);
                exit_code = 0;
                return;
            }
            const RegressReport report = compare_summaries(o->baseline, o->current, parse_tolerance(o->tol));
            fmt::print("{}", regress_table(report, ::isatty(STDOUT_FILENO), o->all));
            exit_code = report.regressed > 0 || (o->exact && report.improved > 0) ? 1 : 0;
        } catch (const Error& e) {
            fmt::print(stderr, "r2bench: error: {}\n", e.what());
            exit_code = 2;
        }
    });
}

}  // namespace r2::cli
