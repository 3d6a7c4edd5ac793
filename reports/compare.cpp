// The numbers of `r2bench compare`: deltas, the paired bootstrap and the flips (compare_html.cpp
// draws the page).
#include "reports/compare.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_manifest.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "core/text_format.h"
#include "core/wording.h"
#include "reports/eval_report.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Run {
    fs::path dir;
    json summary;
    EvalResult scores;
};

Run read_run(const fs::path& dir) {
    if (!fs::is_regular_file(dir / "summary.json"))
        throw FileError(dir, "is not an `r2bench eval --out` folder (no summary.json)");
    Run run;
    run.dir = dir;
    try {
        run.summary = json::parse(read_file(dir / "summary.json"));
    } catch (const json::exception& e) {
        throw FileError(dir / "summary.json", fmt::format("is not valid JSON ({})", e.what()));
    }
    if (!run.summary.is_object() || !run.summary.value("metrics", json()).is_object())
        throw FileError(dir / "summary.json", "has no \"metrics\" object");
    run.scores = read_eval_scores(dir);
    return run;
}

std::string input_of(const Run& run, const char* key) {
    const json& inputs = run.summary.value("inputs", json::object());
    return inputs.contains(key) && inputs[key].is_string() ? inputs[key].get<std::string>() : std::string();
}

std::string expression_key(const ExpressionResult& e) {
    return fmt::format("{}/{} (object {}, negative video {})", e.expression.video, e.expression.exp_id, e.expression.obj_id,
                       e.expression.negative_video);
}

// Same expressions in the same order, each with the same object and negative video: otherwise the
// per-expression pairing (and the bootstrap) would compare different things.
void check_same_expressions(const Run& a, const Run& b) {
    std::vector<std::string> ka, kb;
    for (const auto& e : a.scores.expressions) ka.push_back(expression_key(e));
    for (const auto& e : b.scores.expressions) kb.push_back(expression_key(e));
    if (ka == kb) return;
    const std::set<std::string> sa(ka.begin(), ka.end()), sb(kb.begin(), kb.end());
    std::string which;
    for (const auto& k : ka)
        if (!sb.count(k)) { which = fmt::format("expression {} is only in {}", k, a.dir.string()); break; }
    if (which.empty())
        for (const auto& k : kb)
            if (!sa.count(k)) { which = fmt::format("expression {} is only in {}", k, b.dir.string()); break; }
    if (which.empty()) which = "their expressions are listed in a different order";
    throw Error(fmt::format("{} and {} are evaluations of different pairs ({} and {}): {}", a.dir.string(), b.dir.string(),
                            plural(int64_t(ka.size()), "expression"), plural(int64_t(kb.size()), "expression"), which));
}

// Where both summaries name a file or folder by different paths that both exist, their contents
// must agree (a copied ground truth is fine, an edited one is not); unreachable paths get a note.
void check_same_content(const Run& a, const Run& b, const char* key, const char* what, bool tree, std::vector<std::string>& notes) {
    const std::string pa = input_of(a, key), pb = input_of(b, key);
    if (pa == pb) return;
    if (pa.empty() || pb.empty() || !fs::exists(pa) || !fs::exists(pb)) {
        notes.push_back(fmt::format("the {} paths differ ({} and {}) and could not both be read: same content assumed", what,
                                    pa.empty() ? "none" : pa, pb.empty() ? "none" : pb));
        return;
    }
    const bool same = tree ? tree_hash(pa) == tree_hash(pb) : sha256_file(pa) == sha256_file(pb);
    if (!same)
        throw Error(fmt::format("{} and {} were evaluated on different {}: {} and {} differ", a.dir.string(), b.dir.string(), what, pa, pb));
}

void check_same_evaluation(const Run& a, const Run& b, std::vector<std::string>& notes) {
    const EvalSummary &sa = a.scores.summary, &sb = b.scores.summary;
    auto refuse_one_sided = [&](bool in_a, bool in_b, const char* what) {
        if (in_a != in_b)
            throw Error(fmt::format("{} was evaluated {} {} and {} {}: compare needs two evaluations of the same kind",
                                    a.dir.string(), in_a ? "with" : "without", what, b.dir.string(), in_b ? "with" : "without"));
    };
    refuse_one_sided(sa.has_gt, sb.has_gt, "ground truth");
    refuse_one_sided(sa.has_pairs, sb.has_pairs, "pairs");
    check_same_expressions(a, b);
    check_same_content(a, b, "ground_truth_annotations", "ground-truth annotations", true, notes);
    check_same_content(a, b, "ground_truth_expressions", "ground-truth expressions", false, notes);
    check_same_content(a, b, "pairs", "pairs files", false, notes);
}

// ---- The paired bootstrap ------------------------------------------------------------------------

// Per-expression columns of one run, in the shared expression order.
struct Columns {
    std::vector<double> j, f;
    std::vector<int64_t> pos, neg;
};

Columns columns_of(const Run& run) {
    Columns c;
    for (const auto& e : run.scores.expressions) {
        c.j.push_back(e.j_stats.mean), c.f.push_back(e.f_stats.mean);
        c.pos.push_back(e.positive_pixels), c.neg.push_back(e.negative_pixels);
    }
    return c;
}

constexpr int kMetrics = 5;  // J, F, J&F, R, J&F&R
const char* const kMetricNames[kMetrics] = {"J", "F", "J&F", "R", "J&F&R"};

// The data-set metrics of a (re)sample of expressions, as eval defines them: J and F are means
// over expressions, R is 1 − Σneg/Σpos over them. NaN where undefined.
std::array<double, kMetrics> metrics_of(const Columns& c, const std::vector<uint32_t>& sample) {
    double j = 0, f = 0;
    int64_t pos = 0, neg = 0;
    for (uint32_t i : sample) j += c.j[i], f += c.f[i], pos += c.pos[i], neg += c.neg[i];
    j /= double(sample.size()), f /= double(sample.size());
    const double r = pos > 0 ? 1.0 - double(neg) / double(pos) : neg == 0 ? 1.0 : NAN;
    return {j, f, (j + f) / 2, r, (j + f + r) / 3};
}

// Percentile by linear interpolation between order statistics (R's type 7).
double quantile(const std::vector<double>& sorted, double p) {
    const double at = p * double(sorted.size() - 1);
    const size_t lo = size_t(std::floor(at)), hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (at - double(lo)) * (sorted[hi] - sorted[lo]);
}

// Each resample draws its expressions from its own stream (seed, resample), so the intervals are
// the same bytes whatever the number of threads and whichever thread draws which resample.
std::array<std::pair<double, double>, kMetrics> bootstrap(const Columns& a, const Columns& b, const CompareOptions& o) {
    const size_t n = a.j.size(), samples = size_t(std::max(o.samples, 1));
    std::vector<std::array<double, kMetrics>> deltas(samples);
    tbb::parallel_for(size_t(0), samples, [&](size_t s) {
        Rng rng = Rng::for_stream(o.seed, s);
        std::vector<uint32_t> sample(n);
        for (auto& i : sample) i = uint32_t(rng.below(n));
        const auto ma = metrics_of(a, sample), mb = metrics_of(b, sample);
        for (int m = 0; m < kMetrics; ++m) deltas[s][size_t(m)] = mb[size_t(m)] - ma[size_t(m)];
    });
    std::array<std::pair<double, double>, kMetrics> intervals;
    for (int m = 0; m < kMetrics; ++m) {
        std::vector<double> values;
        for (const auto& d : deltas)
            if (std::isfinite(d[size_t(m)])) values.push_back(d[size_t(m)]);
        std::sort(values.begin(), values.end());
        // An interval from a minority of the resamples would describe another population.
        intervals[size_t(m)] = values.size() * 2 < samples ? std::make_pair(double(NAN), double(NAN))
                                                           : std::make_pair(quantile(values, 0.025), quantile(values, 0.975));
    }
    return intervals;
}

std::optional<double> number_at(const json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_number() ? std::optional<double>(object[key].get<double>())
                                                                                 : std::nullopt;
}

std::optional<double> finite(double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; }

std::vector<CompareValue> summary_deltas(const Run& a, const Run& b, const CompareOptions& o) {
    const auto intervals = bootstrap(columns_of(a), columns_of(b), o);
    std::vector<CompareValue> rows;
    for (int m = 0; m < kMetrics; ++m) {
        CompareValue v{"summary", "", kMetricNames[m]};
        // The values are the summaries' own (full precision); the interval comes from the
        // per-expression columns, which give the same means.
        v.a = number_at(a.summary["metrics"], kMetricNames[m]);
        v.b = number_at(b.summary["metrics"], kMetricNames[m]);
        if (v.a && v.b) v.low = finite(intervals[size_t(m)].first), v.high = finite(intervals[size_t(m)].second);
        if (!v.a || !v.b) v.note = "not reported in both runs";
        rows.push_back(std::move(v));
    }
    return rows;
}

double magnitude(const CompareValue& v) {
    const auto d = v.delta();
    return d ? std::abs(*d) : -1.0;
}

// J&F and R per video, videos with the largest |ΔJ&F| (or |ΔR| without ground truth) first.
std::vector<CompareValue> video_deltas(const Run& a, const Run& b) {
    std::map<std::string, const VideoResult*> in_b;
    for (const auto& v : b.scores.videos) in_b[v.video] = &v;
    std::vector<std::pair<CompareValue, CompareValue>> pairs;
    for (const auto& va : a.scores.videos) {
        const auto it = in_b.find(va.video);
        if (it == in_b.end()) continue;  // same expressions ⇒ same videos
        CompareValue jf{"video", va.video, "J&F", finite(va.jf), finite(it->second->jf)};
        CompareValue r{"video", va.video, "R", va.r, it->second->r};
        pairs.emplace_back(std::move(jf), std::move(r));
    }
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) {
        const double mx = std::max(magnitude(x.first), x.first.delta() ? -1.0 : magnitude(x.second));
        const double my = std::max(magnitude(y.first), y.first.delta() ? -1.0 : magnitude(y.second));
        return mx > my;
    });
    std::vector<CompareValue> rows;
    for (auto& [jf, r] : pairs) {
        if (jf.a || jf.b) rows.push_back(std::move(jf));
        if (a.scores.summary.has_pairs) rows.push_back(std::move(r));
    }
    return rows;
}

// R (and J&F where the summaries give it) per referred category, from summary.json's R_per_category.
std::vector<CompareValue> category_deltas(const Run& a, const Run& b) {
    const json ca = a.summary.value("R_per_category", json::object()), cb = b.summary.value("R_per_category", json::object());
    std::vector<CompareValue> rows;
    if (!ca.is_object() || !cb.is_object()) return rows;
    for (const auto& [name, ea] : ca.items()) {
        if (!cb.contains(name)) continue;
        const json& eb = cb[name];
        const std::string count = fmt::format("{}", plural(int64_t(number_at(ea, "expressions").value_or(0)), "expression"));
        rows.push_back({"category", name, "R", number_at(ea, "R"), number_at(eb, "R"), {}, {}, count});
        if (number_at(ea, "J&F") || number_at(eb, "J&F"))
            rows.push_back({"category", name, "J&F", number_at(ea, "J&F"), number_at(eb, "J&F"), {}, {}, count});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const CompareValue& x, const CompareValue& y) {
        if (x.metric != y.metric) return x.metric == "R";
        return magnitude(x) > magnitude(y);
    });
    return rows;
}

std::vector<CompareValue> expression_deltas(const Run& a, const Run& b) {
    std::vector<CompareValue> rows;
    if (!a.scores.summary.has_gt) return rows;
    for (size_t i = 0; i < a.scores.expressions.size(); ++i) {
        const auto &ea = a.scores.expressions[i], &eb = b.scores.expressions[i];
        rows.push_back({"expression", ea.expression.video + "/" + ea.expression.exp_id, "J&F",
                        finite((ea.j_stats.mean + ea.f_stats.mean) / 2), finite((eb.j_stats.mean + eb.f_stats.mean) / 2), {}, {},
                        ea.expression.text});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const CompareValue& x, const CompareValue& y) { return magnitude(x) > magnitude(y); });
    return rows;
}

// An expression flipped when one run predicted foreground on its negative video and the other
// nothing. An expression with missing frames in either run is left out: there "nothing" may be a
// missing file rather than a rejection.
std::vector<CompareFlip> flips_of(const Run& a, const Run& b, std::vector<std::string>& notes) {
    std::vector<CompareFlip> flips;
    if (!a.scores.summary.has_pairs) return flips;
    int skipped = 0;
    for (size_t i = 0; i < a.scores.expressions.size(); ++i) {
        const auto &ea = a.scores.expressions[i], &eb = b.scores.expressions[i];
        if ((ea.negative_pixels > 0) == (eb.negative_pixels > 0)) continue;
        if (ea.missing_frames > 0 || eb.missing_frames > 0) {
            ++skipped;
            continue;
        }
        const EvalExpression& x = ea.expression;
        flips.push_back({x.video, x.exp_id, x.negative_video, x.text, ea.negative_pixels, eb.negative_pixels});
    }
    if (skipped > 0)
        notes.push_back(fmt::format("{} with missing frames not counted as flips", plural(skipped, "expression")));
    return flips;
}

}  // namespace

CompareResult compare_evals(const fs::path& run_a, const fs::path& run_b, const CompareOptions& options) {
    const Run a = read_run(run_a), b = read_run(run_b);
    CompareResult result;
    result.run_a = run_a, result.run_b = run_b, result.options = options;
    check_same_evaluation(a, b, result.notes);
    result.predictions_a = input_of(a, "predictions"), result.predictions_b = input_of(b, "predictions");
    result.annotations = input_of(a, "ground_truth_annotations");
    result.frames = input_of(a, "frames");
    result.ground_truth_expressions = input_of(a, "ground_truth_expressions");
    result.ground_truth_format = input_of(a, "ground_truth_format");
    result.expressions = int(a.scores.expressions.size());
    result.has_gt = a.scores.summary.has_gt, result.has_pairs = a.scores.summary.has_pairs;
    if (result.expressions == 0) throw FileError(run_a / "per_expression.csv", "holds no expressions: there is nothing to compare");
    result.summary = summary_deltas(a, b, options);
    result.videos = video_deltas(a, b);
    result.categories = category_deltas(a, b);
    result.expressions_jf = expression_deltas(a, b);
    result.flips = flips_of(a, b, result.notes);
    return result;
}

namespace {

std::string csv_fraction(const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); }

std::string csv_row(const CompareValue& v) {
    return fmt::format("{},{},{},{},{},{},{},{},{}\n", v.level, csv_field(v.key), csv_field(v.metric), csv_fraction(v.a),
                       csv_fraction(v.b), csv_fraction(v.delta()), csv_fraction(v.low), csv_fraction(v.high), csv_field(v.note));
}

}  // namespace

std::string compare_csv(const CompareResult& r) {
    std::string out = "level,key,metric,a,b,delta,ci_low,ci_high,note\n";
    for (const auto* rows : {&r.summary, &r.videos, &r.categories, &r.expressions_jf})
        for (const auto& v : *rows) out += csv_row(v);
    for (const auto& f : r.flips)
        out += fmt::format("flip,{},negative_pixels,{},{},{},,,{}\n", csv_field(f.video + "/" + f.exp_id), f.negative_pixels_a,
                           f.negative_pixels_b, f.negative_pixels_b - f.negative_pixels_a,
                           csv_field(fmt::format("hallucinated in {} on {}, empty in {}", f.hallucinated_in_a() ? "A" : "B",
                                                 f.negative_video, f.hallucinated_in_a() ? "B" : "A")));
    return out;
}

std::string compare_table(const CompareResult& r) {
    auto points = [](const std::optional<double>& v) { return v ? fmt::format("{:+.1f}", 100 * *v) : std::string("n/a"); };
    std::string out = fmt::format("{:<7} {:>7} {:>7} {:>7}   95 % interval of B - A (paired bootstrap, {} resamples of {}, seed {})\n",
                                  "metric", "A", "B", "B - A", r.options.samples, plural(r.expressions, "expression"), r.options.seed);
    for (const auto& v : r.summary)
        out += fmt::format("{:<7} {:>7} {:>7} {:>7}   {}\n", v.metric, percent(v.a), percent(v.b), points(v.delta()),
                           v.low ? fmt::format("[{}, {}]", points(v.low), points(v.high)) : std::string("n/a"));
    const auto in_a = std::count_if(r.flips.begin(), r.flips.end(), [](const CompareFlip& f) { return f.hallucinated_in_a(); });
    if (!r.has_pairs) out += "flips: not computed (evaluated without pairs)\n";
    else out += fmt::format("flips: {} hallucinated in A and empty in B, {} the other way\n", plural(in_a, "expression"),
                       int64_t(r.flips.size()) - in_a);
    for (const auto& note : r.notes) out += "note: " + note + "\n";
    return out;
}

void write_compare(const fs::path& out_dir, const CompareResult& result) {
    // Both are rendered before either is written: a failure leaves neither.
    const std::string csv = compare_csv(result), html = compare_html(result);
    write_file_atomically(out_dir / "compare.csv", csv);
    write_file_atomically(out_dir / "compare.html", html);
}

}  // namespace r2
