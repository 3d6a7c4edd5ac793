#include "reports/ref_davis_report.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/dataset_layout.h"
#include "core/ref_davis.h"
#include "metrics/robustness.h"
#include "reports/eval_report.h"

namespace r2 {

namespace {

nlohmann::ordered_json stats_json(const DavisResult& r) {
    return {{"J&F-Mean", r.jf},     {"J-Mean", r.j.mean}, {"J-Recall", r.j.recall}, {"J-Decay", r.j.decay},
            {"F-Mean", r.f.mean},   {"F-Recall", r.f.recall}, {"F-Decay", r.f.decay}, {"objects", r.objects.size()},
            {"videos", r.videos}};
}

}  // namespace

void write_ref_davis_report(const std::filesystem::path& out_dir, const RefDavisEvalResult& result,
                            const std::filesystem::path& source, const std::filesystem::path& predictions) {
    nlohmann::ordered_json j;
    j["benchmark"] = "ref-davis17";
    j["protocol"] = {
        {"davis_task", davis_task_name(result.task)},
        {"ground_truth", result.task == DavisTask::unsupervised ? "DAVIS/Annotations_unsupervised/480p" : "DAVIS/Annotations/480p"},
        {"reference", "davis2017-evaluation DAVISEvaluation, per annotator (ReferFormer eval_davis.py); J, F, J&F: means over "
                      "the 4 annotators"},
        {"prediction_layout", result.layout == RefDavisPredictionLayout::referformer
                                  ? "ReferFormer anno_<a>/<video>/<frame>.png"
                                  : "r2bench Annotations/<video>/<exp_id>/<frame>.png, merged per annotator"}};
    j["source"] = source.string();
    j["predictions"] = predictions.string();
    j["J"] = result.j, j["F"] = result.f, j["J&F"] = result.jf;
    nlohmann::ordered_json annotators = nlohmann::ordered_json::array();
    for (size_t a = 0; a < 4; ++a) {
        nlohmann::ordered_json x = stats_json(result.annotators[a]);
        x["annotator"] = a;
        x["expressions_file"] = ref_davis_text_files()[a];
        annotators.push_back(std::move(x));
    }
    j["annotators"] = std::move(annotators);
    write_file_atomically(out_dir / "davis_summary.json", j.dump(1) + "\n");

    std::string csv = "annotator,video,row,gt_object,predicted_id,J,F,J&F,J_recall,F_recall,frames\n";
    for (size_t a = 0; a < 4; ++a)
        for (const auto& o : result.annotators[a].objects)
            csv += fmt::format("{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{}\n", a, o.video, o.index, o.gt_object,
                               o.predicted_id, o.j_stats.mean, o.f_stats.mean, (o.j_stats.mean + o.f_stats.mean) / 2,
                               o.j_stats.recall, o.f_stats.recall, o.j.size());
    write_file_atomically(out_dir / "per_object.csv", csv);
}

std::string ref_davis_table(const RefDavisEvalResult& result) {
    std::string s = fmt::format("Ref-DAVIS17, DAVIS {} task ({}), per annotator:\n", davis_task_name(result.task),
                                result.task == DavisTask::unsupervised ? "as the published numbers" : "not the published protocol");
    s += fmt::format("  {:<32} {:>7} {:>7} {:>7} {:>8}\n", "annotator", "J&F", "J", "F", "objects");
    for (size_t a = 0; a < 4; ++a) {
        const DavisResult& r = result.annotators[a];
        s += fmt::format("  {:<32} {:>7.2f} {:>7.2f} {:>7.2f} {:>8}\n", fmt::format("{} {}", a, ref_davis_text_files()[a]),
                         100 * r.jf, 100 * r.j.mean, 100 * r.f.mean, r.objects.size());
    }
    s += fmt::format("  {:<32} {:>7.2f} {:>7.2f} {:>7.2f}\n", "mean of the 4", 100 * result.jf, 100 * result.j, 100 * result.f);
    return s;
}

std::string ref_davis_console(const RefDavisEvalResult& davis, const EvalResult* r2, const std::filesystem::path& pairs) {
    std::string s = ref_davis_table(davis);
    if (r2)
        s += fmt::format("R (from each expression's own masks, with {}): {}\n", pairs.string(),
                         r2->summary.r ? fmt::format("{:.2f}; J&F&R (mean of the J, F and R above) {:.2f}", 100 * *r2->summary.r,
                                                     100 * *jfr(davis.j, davis.f, r2->summary.r))
                                       : std::string("not reported"));
    if (r2 && !r2->summary.complete())
        s += fmt::format("INCOMPLETE: {} negative predictions missing (R and J&F&R not reported)\n", r2->summary.missing_negative_frames);
    return s;
}

RefDavisScore score_ref_davis(const EvalPaths& paths, DavisTask task, const PngLimits& limits, const std::filesystem::path& out_dir,
                              const std::filesystem::path& shown_as) {
    RefDavisScore score;
    score.davis = evaluate_ref_davis(paths.gt, paths.split, task, paths.predictions, limits);
    const std::filesystem::path shown = shown_as.empty() ? paths.predictions : shown_as;
    write_ref_davis_report(out_dir, score.davis, paths.gt, shown);
    if (paths.pairs.empty()) return score;

    EvalPaths pairs_only = paths;
    pairs_only.gt.clear();
    EvalInput input = load_eval_input(pairs_only);
    input.limits = limits;
    input.shown_as = shown_as;
    input.frames_dir = frames_folder(paths.gt, SourceFormat::ref_davis, paths.split);  // report thumbnails
    score.r2 = evaluate(input);
    // The R-only evaluation ran without ground truth; its "J and F were not computed" note would
    // contradict the protocol's J and F below.
    std::vector<std::string>& notes = score.r2->notes;
    notes.erase(std::remove(notes.begin(), notes.end(), std::string(kNoGroundTruthNote)), notes.end());
    notes.push_back(fmt::format("J, F and J&F follow the Ref-DAVIS17 protocol (DAVIS {} task, per annotator, mean of the 4); "
                                "per-expression and per-video tables hold R only",
                                davis_task_name(task)));
    write_eval_report(out_dir, *score.r2, input);

    // summary.json: J, F, J&F (and J&F&R) of the DAVIS protocol, as the published numbers.
    const std::filesystem::path summary_path = out_dir / "summary.json";
    nlohmann::ordered_json summary = nlohmann::ordered_json::parse(read_file(summary_path));
    const RefDavisEvalResult& d = score.davis;
    const std::optional<double> r = score.r2->summary.r;
    summary["metrics"]["J"] = d.j, summary["metrics"]["F"] = d.f, summary["metrics"]["J&F"] = d.jf;
    summary["metrics"]["J&F&R"] = r ? nlohmann::ordered_json(*jfr(d.j, d.f, r)) : nlohmann::ordered_json(nullptr);
    summary["protocol"] = {{"benchmark", "ref-davis17"},
                           {"davis_task", davis_task_name(task)},
                           {"J_F", "davis2017-evaluation per annotator, mean of the 4 (davis_summary.json, per_object.csv)"},
                           {"R", "from each expression's own masks (per_expression.csv)"}};
    summary["inputs"]["ground_truth"] = paths.gt.string();
    summary["inputs"]["ground_truth_format"] = "ref-davis";
    write_file_atomically(summary_path, summary.dump(1) + "\n");
    return score;
}

}  // namespace r2
