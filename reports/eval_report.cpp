#include "reports/eval_report.h"

#include "core/wording.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "metrics/robustness.h"
#include "core/text_format.h"
#include "metrics/alignment.h"
#include "reports/per_frame_h5.h"

namespace r2 {

using ojson = nlohmann::ordered_json;

namespace {

ojson optional_number(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }
std::string csv_number(double v) { return fmt::format("{:.6f}", v); }
std::string csv_number(const std::optional<double>& v) { return v ? csv_number(*v) : std::string(); }

ojson stats_json(const SeriesStats& s) { return ojson{{"mean", s.mean}, {"recall", s.recall}, {"decay", s.decay}}; }

}  // namespace

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& name) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        any = true;
        if (quoted) {
            if (c != '"') field += c;
            else if (i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(field)), field.clear();
        } else if (c == '\n') {
            row.push_back(std::move(field)), field.clear();
            rows.push_back(std::move(row)), row.clear();
            any = false;
        } else {
            field += c;
        }
    }
    if (quoted) throw FileError(name, "unterminated quoted field");
    if (any) row.push_back(std::move(field)), rows.push_back(std::move(row));
    return rows;
}

namespace {

// A CSV table read by column name, so a reader does not depend on the column order.
struct CsvTable {
    std::string name;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;

    explicit CsvTable(const std::filesystem::path& path) : name(path.string()) {
        rows = parse_csv(read_file(path), name);
        if (rows.empty()) throw FileError(path, "empty (expected a header line)");
        header = std::move(rows.front());
        rows.erase(rows.begin());
        for (size_t i = 0; i < rows.size(); ++i)
            if (rows[i].size() != header.size())
                throw FileError(path, fmt::format("line {} has {} fields, the header {}", i + 2, rows[i].size(), header.size()));
    }
    size_t column(const char* key) const {
        for (size_t i = 0; i < header.size(); ++i)
            if (header[i] == key) return i;
        throw FileError(name, fmt::format("no column '{}'", key));
    }
    bool has(const char* key) const { return std::find(header.begin(), header.end(), key) != header.end(); }
    std::string text(size_t row, const char* key) const { return rows[row][column(key)]; }
    // An empty cell (not computed, not reported) is NaN / nullopt.
    double number(size_t row, const char* key) const {
        const std::string cell = text(row, key);
        try {
            return cell.empty() ? NAN : std::stod(cell);
        } catch (const std::exception&) {
            throw FileError(name, fmt::format("line {}: '{}' is not a number ({})", row + 2, cell, key));
        }
    }
    std::optional<double> optional(size_t row, const char* key) const {
        const double v = number(row, key);
        return std::isnan(v) ? std::nullopt : std::optional<double>(v);
    }
    int64_t integer(size_t row, const char* key) const {
        const double v = number(row, key);
        return std::isnan(v) ? 0 : int64_t(v);
    }
};

}  // namespace

EvalResult read_eval_scores(const std::filesystem::path& eval_dir) {
    EvalResult result;
    const CsvTable expressions(eval_dir / "per_expression.csv");
    for (size_t i = 0; i < expressions.rows.size(); ++i) {
        ExpressionResult r;
        EvalExpression& e = r.expression;
        e.video = expressions.text(i, "video"), e.exp_id = expressions.text(i, "exp_id");
        e.obj_id = expressions.text(i, "obj_id"), e.negative_video = expressions.text(i, "negative_video");
        e.text = expressions.text(i, "expression");
        r.j_stats = {expressions.number(i, "J"), expressions.number(i, "J_recall"), expressions.number(i, "J_decay")};
        r.f_stats = {expressions.number(i, "F"), expressions.number(i, "F_recall"), expressions.number(i, "F_decay")};
        r.positive_pixels = expressions.integer(i, "positive_pixels");
        r.negative_pixels = expressions.integer(i, "negative_pixels");
        r.r = expressions.optional(i, "R");
        r.missing_frames = int(expressions.integer(i, "missing_frames"));
        result.summary.has_gt |= !std::isnan(r.j_stats.mean);
        result.summary.has_pairs |= !expressions.text(i, "negative_pixels").empty();
        result.expressions.push_back(std::move(r));
    }
    const CsvTable videos(eval_dir / "per_video.csv");
    for (size_t i = 0; i < videos.rows.size(); ++i) {
        VideoResult v;
        v.video = videos.text(i, "video");
        v.expressions = int(videos.integer(i, "expressions"));
        v.j = videos.number(i, "J"), v.f = videos.number(i, "F"), v.jf = videos.number(i, "J&F");
        v.positive_pixels = videos.integer(i, "positive_pixels");
        v.negative_pixels = videos.integer(i, "negative_pixels");
        v.r = videos.optional(i, "R");
        result.videos.push_back(std::move(v));
    }
    result.summary.expressions = int(result.expressions.size());
    result.summary.videos = int(result.videos.size());
    return result;
}

namespace {

// A string member of a JSON object, or null when it is missing or not a string.
ojson string_or_null(const ojson& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_string() ? object[key] : ojson(nullptr);
}

// What the prediction folder's run.json (written by `r2bench run` for neural models) says about
// the model that made it, so that a report can name the model and its weights; nullopt without
// one. It only describes the predictions, so a run.json without a model name (a submission may
// carry any) is left out rather than refused; one that is not JSON at all is an error naming it.
std::optional<ojson> run_description(const std::filesystem::path& predictions) {
    const std::filesystem::path file = predictions / "run.json";
    if (predictions.empty() || !std::filesystem::is_regular_file(file)) return std::nullopt;
    const ojson run = read_json_file(file);
    if (!string_or_null(run, "model").is_string()) return std::nullopt;
    const ojson weights = run.value("weights", ojson());
    const ojson config = run.value("config", ojson()), pairs = run.value("pairs", ojson());
    const bool named = string_or_null(weights, "file").is_string() && string_or_null(weights, "sha256").is_string();
    const ojson synthetic = run.value("synthetic_weights", ojson());
    return ojson{{"model", run["model"]},
                 {"synthetic_weights", synthetic.is_boolean() && synthetic.get<bool>()},
                 {"weights", named ? ojson{{"file", weights["file"]}, {"sha256", weights["sha256"]}} : ojson(nullptr)},
                 {"family", string_or_null(config, "family")},
                 {"postprocessing", string_or_null(config, "postprocessing")},
                 {"pairs", string_or_null(pairs, "file")},
                 {"r2bench_version", string_or_null(run, "r2bench_version")}};
}

// summary.json's "alignment": AUROC, the ROC points, the operating point and whether A has any spread.
ojson alignment_json(const AlignmentSummary& a, const ojson& summary) {
    // R2-VOS rejects at A ≤ 0.5; the other families never reject, so they have no threshold.
    const bool r2vos = summary.contains("run") && summary["run"]["family"] == "r2vos";
    const bool thresholded = r2vos || a.rejected_positives + a.rejected_negatives > 0;
    ojson roc = ojson::array();
    for (const auto& p : a.roc) roc.push_back(ojson{{"fpr", p.fpr}, {"tpr", p.tpr}, {"threshold", optional_number(p.threshold)}});
    return ojson{{"model", a.model}, {"synthetic_weights", a.synthetic_weights},
                 {"positive_pairs", a.positives}, {"negative_pairs", a.negatives},
                 {"rejected_positive", a.rejected_positives}, {"rejected_negative", a.rejected_negatives},
                 {"auroc", optional_number(a.auroc)}, {"accuracy", optional_number(a.accuracy)},
                 {"scores_std", a.std_dev}, {"degenerate", a.degenerate},
                 {"degenerate_note", a.degenerate ? ojson(kNoSeparationNote) : ojson(nullptr)},
                 {"operating_point", ojson{{"fpr", a.operating_fpr}, {"tpr", a.operating_tpr},
                                           {"rejects_at_or_below", thresholded ? ojson(kR2vosRejectAtOrBelow) : ojson(nullptr)}}},
                 {"roc", std::move(roc)}};
}

}  // namespace

std::vector<std::optional<PairAlignment>> read_alignment_columns(const std::filesystem::path& eval_dir) {
    const CsvTable t(eval_dir / "per_expression.csv");
    std::vector<std::optional<PairAlignment>> out(t.rows.size());
    if (!t.has("A_positive")) return out;  // written before the columns existed
    for (size_t i = 0; i < t.rows.size(); ++i) {
        const auto pos = t.optional(i, "A_positive"), neg = t.optional(i, "A_negative");
        if (!pos || !neg) continue;
        out[i] = PairAlignment{t.text(i, "video"), t.text(i, "exp_id"), t.text(i, "negative_video"), *pos, *neg,
                               t.text(i, "rejected_positive") == "1", t.text(i, "rejected_negative") == "1"};
    }
    return out;
}

ojson eval_summary_json(const EvalResult& result, const EvalInput& input) {
    const EvalSummary& s = result.summary;
    ojson j;
    j["schema_version"] = 1;
    j["r2bench_version"] = R2BENCH_VERSION;
    j["metrics"] = ojson{
        {"J", s.has_gt ? ojson(s.j.mean) : ojson(nullptr)},
        {"F", s.has_gt ? ojson(s.f.mean) : ojson(nullptr)},
        {"J&F", s.has_gt ? ojson(s.jf) : ojson(nullptr)},
        {"R", optional_number(s.r)},
        {"J&F&R", optional_number(s.jfr)},
    };
    if (s.has_gt) j["J"] = stats_json(s.j), j["F"] = stats_json(s.f);
    j["counts"] = ojson{{"videos", s.videos},
                        {"expressions", s.expressions},
                        {"positive_frames", s.positive_frames},
                        {"negative_frames", s.negative_frames},
                        {"missing_positive_frames", s.missing_positive_frames},
                        {"missing_negative_frames", s.missing_negative_frames}};
    // A leaderboard ranks incomplete submissions after complete ones; R is withheld (null) when
    // negative frames are missing, since scoring them as empty masks would raise it.
    j["complete"] = s.complete();
    if (s.has_pairs && s.missing_negative_frames > 0)
        j["R_not_reported"] = fmt::format("{} missing; a missing negative frame is not \"nothing segmented\"",
                                          plural(s.missing_negative_frames, "negative prediction"));
    j["pixels"] = ojson{{"positive", s.positive_pixels}, {"negative", s.has_pairs ? ojson(s.negative_pixels) : ojson(nullptr)}};
    j["inputs"] = ojson{{"predictions", (input.shown_as.empty() ? input.predictions : input.shown_as).string()},
                        {"ground_truth", input.gt_root.string()},
                        {"ground_truth_expressions", input.gt_expressions_file.string()},
                        {"ground_truth_annotations", input.gt_annotations.string()},
                        {"ground_truth_format", input.has_gt() ? ojson(source_format_name(input.gt_format)) : ojson(nullptr)},
                        {"frames", input.frames_dir.string()},
                        {"pairs", input.pairs_file.string()},
                        {"allow_missing", input.allow_missing},
                        {"bound_th", input.bound_th}};
    j["notes"] = result.notes;
    ojson videos = ojson::object();
    for (const auto& v : result.videos) {
        ojson item;
        if (s.has_gt) item["J"] = v.j, item["F"] = v.f, item["J&F"] = v.jf;
        if (s.has_pairs) item["R"] = optional_number(v.r);
        item["positive_pixels"] = v.positive_pixels;
        if (s.has_pairs) item["negative_pixels"] = v.negative_pixels;
        videos[v.video] = std::move(item);
    }
    j["per_video"] = std::move(videos);
    if (auto run = run_description(input.predictions)) j["run"] = std::move(*run);
    // A neural run's scores.json: how well A separates positive from negative pairs; R per referred category.
    if (const auto a = read_alignment_summary(input.predictions)) j["alignment"] = alignment_json(*a, j);
    if (s.has_pairs) {
        ojson categories = ojson::object();
        for (const auto& c : robustness_by_category(result, referred_categories(input)))
            categories[c.category] = ojson{{"expressions", c.expressions}, {"R", optional_number(c.r)},
                                           {"positive_pixels", c.positive_pixels}, {"negative_pixels", c.negative_pixels},
                                           {"false_alarm_share", c.negatives_missing ? ojson(nullptr) : ojson(c.false_alarm_share())},
                                           {"J&F", std::isnan(c.jf) ? ojson(nullptr) : ojson(c.jf)},
                                           {"nothing_predicted", c.nothing_predicted()},
                                           {"negatives_missing", c.negatives_missing}};
        j["R_per_category"] = std::move(categories);
    }
    return j;
}

std::string eval_alignment_table(const EvalResult& result, const EvalInput& input) {
    std::string out;
    if (const auto a = read_alignment_summary(input.predictions)) {
        out += fmt::format("alignment A ({}{}): AUROC {}", a->model, a->synthetic_weights ? ", SYNTHETIC weights" : "", percent(a->auroc));
        if (a->degenerate)
            // Rejections of a degenerate head are float noise around the threshold: not reported as if they meant something.
            out += fmt::format(" — {} (std of A {:.2g} < {:g}; its {} rejections are noise)\n", kNoSeparationNote, a->std_dev,
                               kDegenerateAlignmentStd, a->rejected_positives + a->rejected_negatives);
        else
            out += fmt::format(", accuracy {} ({} positive and {} negative pairs; rejected {} and {})\n", percent(a->accuracy),
                               a->positives, a->negatives, a->rejected_positives, a->rejected_negatives);
    }
    if (result.summary.has_pairs) {
        std::vector<CategoryRobustness> categories = robustness_by_category(result, referred_categories(input));
        order_by_harm(categories);
        std::string line;
        for (const auto& c : categories) line += fmt::format("{}{} {}", line.empty() ? "" : ", ", c.category, category_r_text(c));
        if (!line.empty()) out += "R per referred category, lowest first: " + line + "\n";
    }
    return out;
}

std::string per_expression_csv(const EvalResult& result, const AlignmentSummary* alignment) {
    const bool gt = result.summary.has_gt, pairs = result.summary.has_pairs;
    std::map<std::pair<std::string, std::string>, const PairAlignment*> a_of;  // (video, exp_id) → its scores.json entry
    if (alignment)
        for (const auto& p : alignment->pairs) a_of[{p.video, p.exp_id}] = &p;
    std::string out = "video,exp_id,obj_id,negative_video,frames,J,J_recall,J_decay,F,F_recall,F_decay,J&F,"
                      "positive_pixels,negative_pixels,R,missing_frames,false_alarm_share,A_positive,rejected_positive,"
                      "A_negative,rejected_negative,expression\n";
    for (const auto& r : result.expressions) {
        const EvalExpression& e = r.expression;
        auto metric = [&](double v) { return gt ? csv_number(v) : std::string(); };
        // The share, like R, is withheld when a negative frame is missing.
        const std::string share = pairs && r.missing_negative_frames == 0
                                      ? csv_number(false_alarm_share(r.positive_pixels, r.negative_pixels)) : std::string();
        const auto it = a_of.find({e.video, e.exp_id});
        const PairAlignment* a = it == a_of.end() ? nullptr : it->second;
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(e.video), csv_field(e.exp_id),
                           csv_field(e.obj_id), csv_field(e.negative_video), e.frames.size(), metric(r.j_stats.mean),
                           metric(r.j_stats.recall), metric(r.j_stats.decay), metric(r.f_stats.mean),
                           metric(r.f_stats.recall), metric(r.f_stats.decay),
                           metric((r.j_stats.mean + r.f_stats.mean) / 2), r.positive_pixels,
                           pairs ? std::to_string(r.negative_pixels) : std::string(), csv_number(r.r), r.missing_frames, share,
                           a ? csv_number(a->positive) : "", a ? (a->positive_rejected ? "1" : "0") : "",
                           a ? csv_number(a->negative) : "", a ? (a->negative_rejected ? "1" : "0") : "", csv_field(e.text));
    }
    return out;
}

std::string per_video_csv(const EvalResult& result) {
    const bool gt = result.summary.has_gt, pairs = result.summary.has_pairs;
    std::string out = "video,expressions,J,F,J&F,positive_pixels,negative_pixels,R\n";
    for (const auto& v : result.videos) {
        auto metric = [&](double x) { return gt ? csv_number(x) : std::string(); };
        out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(v.video), v.expressions, metric(v.j), metric(v.f),
                           metric(v.jf), v.positive_pixels, pairs ? std::to_string(v.negative_pixels) : std::string(),
                           csv_number(v.r));
    }
    return out;
}

std::string eval_table(const EvalResult& result) {
    const EvalSummary& s = result.summary;
    auto gt_metric = [&](double v) { return s.has_gt ? percent(v) : std::string("n/a"); };
    std::string out;
    out += fmt::format("{:>7} {:>7} {:>7} {:>7} {:>7} | {:>8} {:>8} {:>8} {:>8}\n", "J&F", "J", "F", "R", "J&F&R",
                       "J-Recall", "J-Decay", "F-Recall", "F-Decay");
    out += fmt::format("{:>7} {:>7} {:>7} {:>7} {:>7} | {:>8} {:>8} {:>8} {:>8}\n", gt_metric(s.jf), gt_metric(s.j.mean),
                       gt_metric(s.f.mean), percent(s.r), percent(s.jfr), gt_metric(s.j.recall), gt_metric(s.j.decay),
                       gt_metric(s.f.recall), gt_metric(s.f.decay));
    out += fmt::format("{}, {}, {}, {}", plural(s.videos, "video"), plural(s.expressions, "expression"),
                       plural(s.positive_frames, "positive frame"), plural(s.negative_frames, "negative frame"));
    out += "\n";
    if (!s.complete())
        out += fmt::format("INCOMPLETE: {} missing (scored as empty masks), {} missing (R and J&F&R not reported)\n",
                           plural(s.missing_positive_frames, "positive prediction"),
                           plural(s.missing_negative_frames, "negative prediction"));
    if (s.has_pairs)
        out += fmt::format("foreground pixels: {} on positive videos, {} on negative videos\n", s.positive_pixels,
                           s.negative_pixels);
    for (const auto& note : result.notes) out += "note: " + note + "\n";
    return out;
}

void write_eval_report(const std::filesystem::path& out_dir, const EvalResult& result, const EvalInput& input) {
    // Everything is rendered before the first file is written, so a failure leaves no partial report.
    const std::string summary = eval_summary_json(result, input).dump(2) + "\n";
    const auto alignment = read_alignment_summary(input.predictions);
    const std::string expressions = per_expression_csv(result, alignment ? &*alignment : nullptr);
    const std::string videos = per_video_csv(result);
    write_per_frame_h5(out_dir / "per_frame.h5", per_frame_table(result));
    write_file_atomically(out_dir / "summary.json", summary);
    write_file_atomically(out_dir / "per_expression.csv", expressions);
    write_file_atomically(out_dir / "per_video.csv", videos);
}

}  // namespace r2
