#include "runners/ablate.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/output_dir.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"
#include "metrics/evaluation.h"
#include "reports/eval_report.h"
#include "reports/svg.h"
#include "reports/train_report.h"
#include "runners/model_runner.h"
#include "runners/trainer.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

struct AblationData {
    fs::path train, source, pairs;
};

// The default data: small enough that a row trains and runs in minutes on 2 cores.
AblationData default_data(const fs::path& root) {
    AblationData d{root / "train", root / "held_out", root / "r2" / "r2_pairs.json"};
    if (!fs::exists(d.train)) {
        fmt::print(stderr, "ablate: synthesising the training set into {}\n", d.train.string());
        auto o = synth::synth_preset("small");
        o.seed = 1000, o.videos = 60, o.valid_fraction = 0, o.frames = 8, o.width = 320, o.height = 180;
        synth::write_synth_dataset(d.train, o);
    }
    if (!fs::exists(d.source)) {
        fmt::print(stderr, "ablate: synthesising the held-out set into {}\n", d.source.string());
        auto o = synth::synth_preset("ytvos-valid");
        o.seed = 2023, o.videos = 24, o.frames = 6, o.valid_expressions = 0;
        synth::write_synth_dataset(d.source, o);
    }
    if (!fs::exists(d.pairs)) {
        const SourceTree tree = read_source_tree(d.source, SourceFormat::ref_youtube_vos, "valid");
        R2BuildOptions options;  // seed 0 and the default rules and synonyms, as `build-dataset --seed 0`
        OutputDir out = OutputDir::begin(d.pairs.parent_path(), "build-dataset", false, {d.source});
        write_r2(out.path(), build_r2(tree, nullptr, options), tree, nullptr, false, false);
        out.commit();
    }
    return d;
}

double pair_bce_at_end(const std::vector<TrainLogEntry>& log) {
    double sum = 0;
    int n = 0;
    for (size_t i = log.size() > 20 ? log.size() - 20 : 0; i < log.size(); ++i) {
        const auto it = log[i].terms.find("loss_cycle_cls");
        if (it == log[i].terms.end()) return -1;
        sum += it->second, ++n;
    }
    return n ? sum / n : -1;
}

// Trains the row unless OUT already holds its weights for these steps; returns the weights.
fs::path train_row(const AblationRow& row, const AblationData& d, const AblateOptions& o, const fs::path& dir) {
    const fs::path weights = dir / (row.model.name + ".safetensors");
    if (fs::is_regular_file(weights) && read_json_file(dir / "train.json").value("steps", int64_t(0)) == o.steps) return weights;
    TrainOptions t;
    t.model = row.model.name, t.data = d.train, t.out = dir, t.steps = o.steps, t.seed = o.seed;
    t.checkpoint_every = 50, t.resume = true;
    t.recipe = default_recipe(row.model);
    train_model(t);
    return weights;
}

void run_row(const AblationRow& row, const AblationData& d, const AblateOptions& o, const fs::path& weights, const fs::path& dir) {
    ModelRunOptions r;
    r.source = d.source, r.pairs = d.pairs, r.model = row.model.name, r.weights_file = weights;
    r.version = o.version, r.command = o.command;
    check_run_inputs(r);
    OutputDir out = OutputDir::begin(dir, "run", true, {d.source, d.pairs, weights});
    run_model(r, out);
    out.commit();
}

nlohmann::json eval_row(const AblationData& d, const fs::path& run, const fs::path& dir) {
    EvalPaths paths;
    paths.predictions = run, paths.gt = d.source, paths.pairs = d.pairs;
    const EvalInput input = load_eval_input(paths);
    const EvalResult result = evaluate(input);
    OutputDir out = OutputDir::begin(dir, "eval", true, {run, d.source, d.pairs});
    write_eval_report(out.path(), result, input);
    out.commit();
    return read_json_file(dir / "summary.json");
}

std::optional<double> number(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? std::optional<double>(j[key].get<double>()) : std::nullopt;
}

AblateRowResult ablate_row(const AblationRow& row, const AblationData& d, const AblateOptions& o) {
    const fs::path dir = o.out / "rows" / row.config;
    AblateRowResult result;
    result.row = &row;
    const auto start = std::chrono::steady_clock::now();
    const fs::path weights = train_row(row, d, o, dir / "train");
    const auto log = read_train_log(dir / "train" / "train_log.jsonl");
    result.train_seconds = log.empty() ? 0 : log.back().seconds;
    result.pair_bce = pair_bce_at_end(log);
    const bool trained_now = std::chrono::steady_clock::now() - start > std::chrono::seconds(1);
    const fs::path run = dir / "run";
    const auto run_start = std::chrono::steady_clock::now();
    // A run is reused only when it is newer than the weights it was made from.
    const bool run_current = fs::is_regular_file(run / "run.json") && fs::last_write_time(run / "run.json") >= fs::last_write_time(weights);
    if (!run_current) run_row(row, d, o, weights, run);
    result.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    result.reused = !trained_now && run_current;
    const nlohmann::json summary = eval_row(d, run, dir / "eval");
    const auto& m = summary.at("metrics");
    result.j = number(m, "J"), result.f = number(m, "F"), result.jf = number(m, "J&F"), result.r = number(m, "R"), result.jfr = number(m, "J&F&R");
    if (summary.contains("alignment")) result.auroc = number(summary["alignment"], "auroc");
    return result;
}

std::string pct(const std::optional<double>& x) { return x ? fmt::format("{:.1f}", 100 * *x) : "n/a"; }

const char* kTableTitle[] = {"", "", "", "components (baseline, +early grounding, +cycle constraint, +fused text query)",
                             "form of the cycle constraint", "number of queries", "clip length (window) in training"};

// The claim each table makes in the paper, checked on these rows (empty when a row is missing).
std::string claim(int table, const std::vector<AblateRowResult>& rows) {
    auto find = [&](const std::string& config) -> const AblateRowResult* {
        for (const auto& r : rows)
            if (r.row->config == config) return &r;
        return nullptr;
    };
    if (table == 3) {
        const auto *eg = find("t3-eg"), *cc = find("t3-cc");
        if (!eg || !cc || !eg->r || !cc->r) return "";
        return fmt::format("The cycle constraint with the pair classifier (+CC) moves R from {} (+EG) to {}: {:+.1f} points.", pct(eg->r),
                           pct(cc->r), 100 * (*cc->r - *eg->r));
    }
    if (table == 4) {
        const auto *point = find("t4-point"), *both = find("t4-both");
        if (!point || !both || !point->jfr || !both->jfr) return "";
        return fmt::format("Relational (both terms) against point-wise: J&F&R {} against {} ({:+.1f} points).", pct(both->jfr),
                           pct(point->jfr), 100 * (*both->jfr - *point->jfr));
    }
    return "";
}

}  // namespace

std::string ablation_markdown(int table, const std::vector<AblateRowResult>& rows, int64_t steps) {
    std::string md = fmt::format("# Table {} in kind: {}\n\n", table, kTableTitle[table]);
    md += fmt::format("r2vos_tiny with one thing changed per row, each trained {} steps on the same data and seed, scored on the same "
                      "held-out R² set (values in %; AUROC of the alignment score A; pair BCE: the last 20 steps, ln 2 = 0.693 is a "
                      "head that has not learned).\n\n",
                      steps);
    md += "| row | config | J&F | J | F | R | J&F&R | AUROC | pair BCE | train s | what changes |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto& r : rows)
        md += fmt::format("| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {:.0f} | {} |\n", r.row->row, r.row->config, pct(r.jf), pct(r.j),
                          pct(r.f), pct(r.r), pct(r.jfr), pct(r.auroc), r.pair_bce < 0 ? std::string("-") : fmt::format("{:.3f}", r.pair_bce),
                          r.train_seconds, r.row->change);
    const std::string c = claim(table, rows);
    if (!c.empty()) md += "\n" + c + "\n";
    md += fmt::format("\nThe paper's values for this table are not bundled with r2bench (no copy of the paper's numbers could be "
                      "checked offline): compare with Table {} of arXiv 2207.01203.\n",
                      table);
    return md;
}

std::string ablation_csv(const std::vector<AblateRowResult>& rows) {
    auto value = [](const std::optional<double>& x) { return x ? fmt::format("{:.6f}", *x) : std::string(); };
    std::string csv = "table,row,config,J&F,J,F,R,J&F&R,AUROC,pair_bce,train_seconds,run_seconds\n";
    for (const auto& r : rows)
        csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{:.1f},{:.1f}\n", r.row->table, csv_field(r.row->row), r.row->config, value(r.jf),
                           value(r.j), value(r.f), value(r.r), value(r.jfr), value(r.auroc),
                           r.pair_bce < 0 ? std::string() : fmt::format("{:.6f}", r.pair_bce), r.train_seconds, r.run_seconds);
    return csv;
}

std::string ablation_html(int table, const std::vector<AblateRowResult>& rows, int64_t steps) {
    std::string h = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Table {0} in kind</title>\n"
        "<style>body{{font:14px sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}"
        "td.n{{text-align:right}}</style></head><body>\n<h1>Table {0} in kind: {1}</h1>\n<p>r2vos_tiny with one thing changed per row, "
        "each trained {2} steps on the same data and seed, scored on the same held-out R² set (values in %).</p>\n<table>\n"
        "<tr><th>row</th><th>config</th><th>J&amp;F</th><th>J</th><th>F</th><th>R</th><th>J&amp;F&amp;R</th><th>AUROC</th>"
        "<th>pair BCE</th><th>train s</th><th>what changes</th></tr>\n",
        table, svg::escape(kTableTitle[table]), steps);
    for (const auto& r : rows)
        h += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>"
                         "<td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{:.0f}</td><td>{}</td></tr>\n",
                         svg::escape(r.row->row), svg::escape(r.row->config), pct(r.jf), pct(r.j), pct(r.f), pct(r.r), pct(r.jfr), pct(r.auroc),
                         r.pair_bce < 0 ? std::string("-") : fmt::format("{:.3f}", r.pair_bce), r.train_seconds, svg::escape(r.row->change));
    h += "</table>\n";
    const std::string c = claim(table, rows);
    if (!c.empty()) h += "<p>" + svg::escape(c) + "</p>\n";
    h += fmt::format("<p>The paper's values are not bundled: compare with Table {} of arXiv 2207.01203.</p>\n</body></html>\n", table);
    return h;
}

std::vector<AblateRowResult> run_ablation(const AblateOptions& o) {
    const auto rows = ablation_table(o.table);
    if (rows.empty() || o.table < 3 || o.table > 6) throw Error(fmt::format("--table {}: the paper's ablation tables are 3, 4, 5 and 6", o.table));
    if (o.steps < 1) throw Error("--steps must be at least 1");
    const bool given = !o.data.empty() || !o.source.empty() || !o.pairs.empty();
    if (given && (o.data.empty() || o.source.empty() || o.pairs.empty()))
        throw Error("ablate: --data, --source and --pairs go together (or none of them: the data is synthesised under --out)");
    if (given && !fs::is_directory(o.data)) throw FileError(o.data, "--data: not a folder");
    if (given && !fs::is_directory(o.source)) throw FileError(o.source, "--source: not a folder");
    if (given && !fs::is_regular_file(o.pairs)) throw FileError(o.pairs, "--pairs: no such file");
    fs::create_directories(o.out);
    const AblationData data = given ? AblationData{o.data, o.source, o.pairs} : default_data(o.out / "data");
    std::vector<AblateRowResult> results;
    for (size_t i = 0; i < rows.size(); ++i) {
        fmt::print(stderr, "ablate table {}: row {} of {}: {} ({}; {})\n", o.table, i + 1, rows.size(), rows[i]->row, rows[i]->config,
                   rows[i]->change);
        results.push_back(ablate_row(*rows[i], data, o));
        const auto& r = results.back();
        fmt::print(stderr, "ablate table {}: {}: J&F {}, R {}, J&F&R {}, AUROC {}{}\n", o.table, rows[i]->row, pct(r.jf), pct(r.r), pct(r.jfr),
                   pct(r.auroc), r.reused ? " (reused)" : "");
        // The table so far is written after every row: an interrupted run still leaves what it has.
        const fs::path stem = o.out / fmt::format("table_{}", o.table);
        write_file_atomically(fs::path(stem.string() + ".md"), ablation_markdown(o.table, results, o.steps));
        write_file_atomically(fs::path(stem.string() + ".csv"), ablation_csv(results));
        write_file_atomically(fs::path(stem.string() + ".html"), ablation_html(o.table, results, o.steps));
    }
    return results;
}

}  // namespace r2
