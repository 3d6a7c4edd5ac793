// `r2bench bench leaderboard`: what the content-keyed cache costs and saves. A board is scored
// once (every submission new), then rerun with every result cached; the rerun's price is hashing
// the ground truth's annotation files and each submission, timed alone as well.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "cli/bench_util.h"
#include "core/dataset_layout.h"
#include "core/error.h"
#include "core/file_manifest.h"
#include "core/progress.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"
#include "reports/leaderboard.h"
#include "reports/submission.h"
#include "runners/baseline.h"

namespace r2::cli {
namespace fs = std::filesystem;

namespace {

struct BoardData {
    fs::path gt, pairs, submissions;
    int64_t gt_files = 0, submission_files = 0;
};

int64_t count_files(const fs::path& root) {
    int64_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file();
    return n;
}

// A synth set, its R² pairs and `submissions` noisy-oracle submissions (different seeds).
BoardData make_board_data(const fs::path& root, const BenchLeaderboardOptions& o) {
    BoardData d{root / "synth", root / "r2/r2_pairs.json", root / "subs"};
    synth::write_synth_dataset(d.gt, synth::synth_preset(o.preset));
    const SourceTree source = read_source_tree(d.gt, SourceFormat::ref_youtube_vos, "valid");
    write_r2(root / "r2", build_r2(source, nullptr, {}), source, nullptr, false, false);
    for (int i = 0; i < o.submissions; ++i)
        run_baseline(d.gt, "valid", d.pairs, d.submissions / fmt::format("team{}", i), BaselineOptions{"noisy-oracle", uint64_t(i)});
    d.gt_files = count_files(resolve_gt(d.gt, "valid").annotations);
    d.submission_files = count_files(d.submissions);
    return d;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int run_bench_leaderboard(const BenchLeaderboardOptions& o) {
    if (o.submissions < 1) throw Error(fmt::format("--submissions: must be ≥ 1, not {}", o.submissions));
    const fs::path root = o.keep_dir.empty() ? fs::temp_directory_path() / fmt::format("r2bench-bench-leaderboard-{}", ::getpid())
                                             : fs::path(o.keep_dir);
    fs::remove_all(root / "lb");
    fmt::print("bench leaderboard: synth {} with {} noisy-oracle submissions (generating …)\n", o.preset, o.submissions);
    const BoardData d = make_board_data(root, o);
    Progress::set_quiet(true);
    ScoreOptions score;
    score.gt = d.gt, score.pairs = d.pairs;

    const auto start = std::chrono::steady_clock::now();
    const auto first = build_leaderboard(d.submissions, root / "lb", score);
    const double scored = seconds_since(start);
    size_t cached = 0;
    const double rerun = best_seconds(o.repeats, [&] {
        const auto rows = build_leaderboard(d.submissions, root / "lb", score);
        cached = size_t(std::count_if(rows.begin(), rows.end(), [](const LeaderboardRow& r) { return r.cached; }));
    });
    if (cached != first.size()) throw Error(fmt::format("bench leaderboard: only {} of {} rows came from the cache", cached, first.size()));
    const double hashing = best_seconds(o.repeats, [&] {
        tree_hash(resolve_gt(d.gt, "valid").annotations);
        for (const auto& e : fs::directory_iterator(d.submissions)) submission_hash(e.path());
    });

    fmt::print("  {} ground-truth masks, {} submission files\n", d.gt_files, d.submission_files);
    fmt::print("  (a) every submission scored:        {:8.2f} s\n", scored);
    fmt::print("  (b) rerun, every result cached:     {:8.2f} s  ({:.0f}x faster than (a); goal: a few seconds at ytvos-valid scale)\n",
               rerun, scored / rerun);
    fmt::print("  (c) hashing alone (ground truth + submissions): {:.2f} s ({:.0f} % of (b))\n", hashing, 100.0 * hashing / rerun);
    if (o.keep_dir.empty()) fs::remove_all(root);
    return 0;
}

}  // namespace r2::cli
