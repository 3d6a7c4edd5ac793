// `score`, `leaderboard` and `regress`: organisers' and CI's uses of the metrics.
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/wording.h"
#include "core/atomic_file.h"
#include "reports/eval_report.h"
#include "reports/html_report.h"
#include "reports/leaderboard.h"
#include "reports/ref_davis_report.h"
#include "reports/regress.h"
#include "reports/submission.h"

namespace r2::cli {

namespace {

void add_score_options(CLI::App* cmd, ScoreOptions& o) {
    add_source_option(cmd, o.gt, "Ground truth (alias --gt; as `eval --source`)")->required();
    cmd->add_option("--split", o.split, "Split of the ground-truth root (default: the one --pairs was built on, else valid)");
    cmd->add_option("--pairs", o.pairs, "r2_pairs.json (enables R and J&F&R)");
    cmd->add_flag("--allow-missing", o.allow_missing, "Score missing positive predictions as empty masks; missing negatives: R not reported, ranked after complete ones");
    cmd->add_option("--davis-task", o.davis_task,
                    "Ref-DAVIS17 sources: the DAVIS task of J and F (unsupervised: the published protocol; or semi-supervised)")
        ->capture_default_str()
        ->check(CLI::IsMember({"unsupervised", "semi-supervised"}));
    non_negative(cmd->add_option("--max-entries", o.limits.max_entries, "Refuse zips with more entries"))->capture_default_str();
    non_negative(cmd->add_option("--max-total-bytes", o.limits.max_total_bytes, "Refuse zips inflating to more bytes"))
        ->capture_default_str();
    non_negative(cmd->add_option("--max-png-bytes", o.limits.max_png_bytes, "Refuse a PNG larger than this"))->capture_default_str();
}

}  // namespace

void add_score_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string submission;
        OutOptions out;
        ScoreOptions score;
        bool report = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "score");
    cmd->footer("The zip holds Annotations/<video>/<exp_id>/<frame>.png (and Negatives/… for R²), at its top or inside "
                "one folder. Unsafe zips are refused before anything is extracted.\n\nExamples:\n"
                "  r2bench score submission.zip --source data/ref-youtube-vos --pairs r2/r2_pairs.json --out scores/team1\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench score build/demo/runs/mttr_tiny --source build/demo/synth --pairs build/demo/r2/r2_pairs.json --out build/demo/scores/mttr_tiny");
    cmd->add_option("submission", o->submission, "Submission .zip or folder")->required();
    add_score_options(cmd, o->score);
    add_out_options(cmd, o->out, "Folder for the report");
    cmd->add_flag("--report", o->report, "Also write report.html (as `r2bench report`)");
    cmd->callback([o, cmd, &exit_code] {
        resolve_from_pairs(cmd, "--split", o->score.split, o->score.pairs, "split");
        OutputDir out = begin_output(o->out, "score", {o->submission, o->score.gt, o->score.pairs});
        SubmissionScores scores;
        try {
            scores = score_submission_with_protocol(o->submission, out.path(), o->score);
        } catch (const EvalInputError& e) {
            fail_with_problems(out, e.problems());
        }
        if (o->report) write_html_report(out.path());
        out.commit();
        if (scores.ref_davis)
            fmt::print("{}", ref_davis_console(*scores.ref_davis, &scores.r2, o->score.pairs));
        else
            fmt::print("{}{}", eval_table(scores.r2), scores.alignment_table);
        fmt::print("wrote {}/{{{}summary.json, per_expression.csv, per_video.csv, per_frame.h5{}}}\n", o->out.out,
                   scores.ref_davis ? "davis_summary.json, per_object.csv, " : "", o->report ? ", report.html" : "");
        exit_code = 0;
    });
}

void add_leaderboard_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string dir;
        OutOptions out;
        ScoreOptions score;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "leaderboard");
    cmd->footer("Results are cached in OUT/cache by content: a rerun into the same --out scores only new or changed "
                "submissions, and every submission again when a ground-truth file or the pairs change. A broken submission gets its row with a short note linking to its full problem list "
                "(OUT/submissions/<name>/problems.txt) and does not stop the others.\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench leaderboard build/demo/runs --source build/demo/synth --pairs build/demo/r2/r2_pairs.json --out build/demo/leaderboard");
    cmd->add_option("dir", o->dir, "Folder of submissions (.zip files and folders)")->required();
    add_score_options(cmd, o->score);
    add_out_options(cmd, o->out, "Folder for leaderboard.{md,csv,html}, cache/ and submissions/");
    cmd->callback([o, cmd, &exit_code] {
        resolve_from_pairs(cmd, "--split", o->score.split, o->score.pairs, "split");
        if (path_inside(o->out.out, o->dir))
            throw Error(fmt::format("--out {} is inside the submissions folder {}; it would be scored as a submission",
                                    o->out.out, o->dir));
        OutputDir out = begin_output(o->out, "leaderboard", {o->dir, o->score.gt, o->score.pairs});
        std::vector<LeaderboardRow> rows;
        try {
            rows = build_leaderboard(o->dir, out.path(), o->score, out.previous());
        } catch (const InputProblems& e) {
            fail_with_problems(out, e.problems());
        }
        out.commit();
        fmt::print("{}", leaderboard_console(rows));
        const auto scored = std::count_if(rows.begin(), rows.end(), [](const LeaderboardRow& r) { return !r.cached; });
        fmt::print("{} scored now, {} from the cache; wrote {}/leaderboard.{{md,csv,html}}\n",
                   plural(scored, "submission"), int64_t(rows.size()) - scored, o->out.out);
        exit_code = 0;
    });
}

void add_regress_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string baseline, current, tol = "1e-6";
        bool update = false, exact = false, all = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "regress");
    cmd->footer("Exit codes: 0 within tolerance (improvements are reported), 1 a metric regressed (or, with --exact, "
                "changed at all), 2 malformed input. Tolerances are in percentage points.\n\nExamples:\n"
                "  r2bench regress --baseline ci/metrics_baseline.json --current eval/summary.json --tol J=0.5,R=1.0\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench regress --baseline build/demo/eval/mttr_tiny/summary.json --current build/demo/eval/mttr_tiny/summary.json --tol J=0.5,R=1.0");
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
            exit_code = report.failed(o->exact) ? 1 : 0;
        } catch (const Error& e) {
            fmt::print(stderr, "r2bench: error: {}\n", e.what());
            exit_code = 2;
        }
    });
}

}  // namespace r2::cli
