// What the reports say about the R² questions, checked against hand-computed values: the ROC of
// the alignment score A, the operating point, a degenerate pair head, R per referred category in
// the order that hurts most, per_expression.csv's alignment columns and report.html's header.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "metrics/alignment.h"
#include "reports/eval_report.h"
#include "reports/html_report.h"
#include "reports/svg.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

double trapezoid_area(const std::vector<RocPoint>& roc) {
    double area = 0;
    for (size_t i = 1; i < roc.size(); ++i) area += (roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr) / 2;
    return area;
}

ExpressionResult expression(const std::string& video, const std::string& exp_id, const std::string& obj, int64_t pos, int64_t neg,
                            double jf) {
    ExpressionResult e;
    e.expression.video = video, e.expression.exp_id = exp_id, e.expression.obj_id = obj;
    e.expression.negative_video = "n" + video, e.expression.text = "the thing " + video;
    e.expression.frames = {"00000"};
    e.positive_pixels = pos, e.negative_pixels = neg;
    e.j_stats.mean = e.f_stats.mean = jf;
    return e;
}

// A scores.json of `r2bench run` for the pairs (video, exp_id, A on its video, rejected, A on its negative, rejected).
struct ScoreRow {
    std::string video, exp_id;
    double a_pos;
    bool rej_pos;
    double a_neg;
    bool rej_neg;
};
void write_scores(const fs::path& dir, const std::vector<ScoreRow>& rows) {
    json pairs = json::array();
    for (const auto& r : rows)
        pairs.push_back({{"video", r.video}, {"exp_id", r.exp_id}, {"negative_video", "n" + r.video},
                         {"positive", {{"alignment", r.a_pos}, {"rejected", r.rej_pos}}},
                         {"negative", {{"alignment", r.a_neg}, {"rejected", r.rej_neg}}}});
    fs::create_directories(dir);
    write_file_atomically(dir / "scores.json", json{{"schema_version", 1}, {"model", "r2vos_tiny"}, {"pairs", pairs}}.dump());
}

void write_run_json(const fs::path& dir) {
    write_file_atomically(dir / "run.json",
                          json{{"schema_version", 1}, {"model", "r2vos_tiny"}, {"synthetic_weights", false},
                               {"weights", {{"file", "model_zoo/tiny_weights/r2vos_tiny.safetensors"}, {"sha256", "ab12cd34"}}},
                               {"config", {{"family", "r2vos"}, {"postprocessing", "clip rejected when sigmoid(pair_logit) >= 0.5"}}},
                               {"pairs", {{"file", "build/demo/r2/r2_pairs.json"}, {"sha256", "ffee"}}},
                               {"r2bench_version", "0.1.0"}}
                              .dump());
}

// Three expressions on videos a, b, c whose objects are a cat, a dog and a fish; the fish got no
// foreground on either video.
struct Folder {
    TempDir dir;
    EvalResult result;
    EvalInput input;
    explicit Folder(bool degenerate) {
        result.summary.has_gt = result.summary.has_pairs = true;
        result.expressions = {expression("a", "0", "1", 100, 50, 0.6), expression("b", "0", "1", 100, 0, 0.8),
                              expression("c", "0", "1", 0, 0, 0.0)};
        for (auto& e : result.expressions) e.r = robustness_of(e);
        input.predictions = dir / "pred";
        input.gt_root = dir / "gt";
        fs::create_directories(input.gt_root);
        write_file_atomically(input.gt_root / "meta.json",
                              R"({"videos": {"a": {"objects": {"1": {"category": "cat", "frames": ["00000"]}}},
                                             "b": {"objects": {"1": {"category": "dog", "frames": ["00000"]}}},
                                             "c": {"objects": {"1": {"category": "fish", "frames": ["00000"]}}}}})");
        if (degenerate)  // r2vos_tiny's untrained head: every A within 2e-4 of 0.5
            write_scores(input.predictions, {{"a", "0", 0.50012, false, 0.49995, true},
                                             {"b", "0", 0.50001, false, 0.50003, false},
                                             {"c", "0", 0.49999, true, 0.50002, false}});
        else
            // Rejected where A ≤ 0.5, as R2-VOS does.
            write_scores(input.predictions, {{"a", "0", 0.9, false, 0.6, false}, {"b", "0", 0.6, false, 0.2, true},
                                             {"c", "0", 0.4, true, 0.1, true}});
        write_run_json(input.predictions);
    }
    static std::optional<double> robustness_of(const ExpressionResult& e) {
        if (e.positive_pixels > 0) return 1.0 - double(e.negative_pixels) / double(e.positive_pixels);
        return e.negative_pixels == 0 ? std::optional<double>(1.0) : std::nullopt;
    }
};

// The cells of per_expression.csv by column name.
std::map<std::string, std::string> csv_row(const std::string& csv, size_t row) {
    const auto rows = parse_csv(csv, "per_expression.csv");
    REQUIRE(rows.size() > row + 1);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < rows[0].size(); ++i) out[rows[0][i]] = rows[row + 1].at(i);
    return out;
}

// One expression, one frame on each side: enough per-frame rows for render_html_report.
PerFrameTable table_for(const EvalResult& r) {
    PerFrameTable t;
    t.has_gt = t.has_pairs = true;
    for (size_t i = 0; i < r.expressions.size(); ++i) {
        const auto& e = r.expressions[i].expression;
        t.expressions.push_back({e.video, e.exp_id, e.obj_id, e.negative_video, e.text});
        t.positive.push_back({int(i), "00000", r.expressions[i].j_stats.mean, r.expressions[i].f_stats.mean,
                              r.expressions[i].positive_pixels});
        t.negative.push_back({int(i), "00000", r.expressions[i].negative_pixels});
    }
    return t;
}

}  // namespace

TEST_CASE("report-r2: ROC points of A, hand-computed, and their area is the AUROC") {
    // Positives {0.9, 0.6, 0.4}, negatives {0.6, 0.2}. Thresholds from the top: ≥ 0.9 keeps one
    // positive (0, 1/3); ≥ 0.6 one more positive and a negative (1/2, 2/3); ≥ 0.4 (1/2, 1); ≥ 0.2 (1, 1).
    const auto roc = roc_curve({0.9, 0.6, 0.4}, {0.6, 0.2});
    REQUIRE(roc.size() == 5);
    CHECK(roc[0].fpr == 0); CHECK(roc[0].tpr == 0); CHECK_FALSE(roc[0].threshold.has_value());
    CHECK(roc[1].fpr == 0); CHECK(roc[1].tpr == doctest::Approx(1.0 / 3)); CHECK(*roc[1].threshold == 0.9);
    CHECK(roc[2].fpr == 0.5); CHECK(roc[2].tpr == doctest::Approx(2.0 / 3)); CHECK(*roc[2].threshold == 0.6);
    CHECK(roc[3].fpr == 0.5); CHECK(roc[3].tpr == 1); CHECK(*roc[3].threshold == 0.4);
    CHECK(roc[4].fpr == 1); CHECK(roc[4].tpr == 1); CHECK(*roc[4].threshold == 0.2);
    // 1/2 · (1/3 + 2/3) / 2 + 1/2 · 1 = 0.75, the Mann-Whitney value with the tie counting one half.
    CHECK(trapezoid_area(roc) == doctest::Approx(0.75));
    CHECK(trapezoid_area(roc) == doctest::Approx(*auroc({0.9, 0.6, 0.4}, {0.6, 0.2})));

    // Points in the middle of a straight run are dropped: three positives above the one negative
    // go straight up, then across.
    const auto corners = roc_curve({0.9, 0.8, 0.7}, {0.1});
    REQUIRE(corners.size() == 3);
    CHECK(corners[1].fpr == 0); CHECK(corners[1].tpr == 1); CHECK(*corners[1].threshold == 0.7);
    CHECK(corners[2].fpr == 1); CHECK(*corners[2].threshold == 0.1);
    CHECK(trapezoid_area(corners) == 1.0);
    // All tied: one diagonal, area one half.
    const auto tied = roc_curve({0.5, 0.5}, {0.5});
    REQUIRE(tied.size() == 2);
    CHECK(trapezoid_area(tied) == 0.5);
    CHECK(roc_curve({}, {0.5}).empty());
}

TEST_CASE("report-r2: the operating point and the degenerate flag of a pair head") {
    // Kept (not rejected): positives 2 of 3, negatives 1 of 2.
    AlignmentSummary s = summarize_alignment({{"a", "0", "na", 0.9, 0.1, false, true},
                                              {"b", "0", "nb", 0.8, 0.7, false, false},
                                              {"c", "0", "nc", 0.3, 0.2, true, true}});
    CHECK(s.operating_tpr == doctest::Approx(2.0 / 3));
    CHECK(s.operating_fpr == doctest::Approx(1.0 / 3));
    CHECK(s.rejected_positives == 1); CHECK(s.rejected_negatives == 2);
    CHECK_FALSE(s.degenerate);
    CHECK(s.std_dev > 0.2);
    // {0.5, 0.5002}: mean 0.5001, std 1e-4.
    CHECK(standard_deviation({0.5, 0.5002}) == doctest::Approx(1e-4));
    s = summarize_alignment({{"a", "0", "na", 0.5002, 0.5, false, true}});
    CHECK(s.std_dev == doctest::Approx(1e-4));
    CHECK(s.degenerate);
    // Just above the limit: 0.4989 and 0.5011 are 1.1e-3 from their mean.
    CHECK_FALSE(summarize_alignment({{"a", "0", "na", 0.5011, 0.4989, false, true}}).degenerate);
}

TEST_CASE("report-r2: categories ordered by what hurts most, nothing-predicted ones marked and last") {
    std::vector<CategoryRobustness> c(6);
    c[0].category = "dog", c[0].positive_pixels = 100, c[0].negative_pixels = 0, c[0].r = 1.0, c[0].jf = 0.9;
    c[1].category = "fish";  // nothing on either video
    c[1].r = 1.0, c[1].jf = 0.0;
    c[2].category = "cat", c[2].positive_pixels = 100, c[2].negative_pixels = 50, c[2].r = 0.5, c[2].jf = 0.7;
    c[3].category = "ant", c[3].positive_pixels = 200, c[3].negative_pixels = 100, c[3].r = 0.5, c[3].jf = 0.3;
    c[4].category = "owl", c[4].positive_pixels = 0, c[4].negative_pixels = 10;  // R undefined: the worst
    c[5].category = "bee", c[5].positive_pixels = 10, c[5].negative_pixels = 90, c[5].negatives_missing = true;
    order_by_harm(c);
    std::vector<std::string> order;
    for (const auto& x : c) order.push_back(x.category);
    // owl (share 1), ant and cat (share 1/3; ant's J&F is lower), dog (0), fish (nothing), bee (not reported).
    CHECK(order == std::vector<std::string>{"owl", "ant", "cat", "dog", "fish", "bee"});
    CHECK(category_r_text(c[4]) == "nothing predicted on either video");
    CHECK(category_r_text(c[2]) == "50.0");
    CHECK(category_r_text(c[5]).rfind("not reported", 0) == 0);
    CHECK(category_r_text(c[0]).rfind("n/a", 0) == 0);
    CHECK(c[1].false_alarm_share() == doctest::Approx(1.0 / 3));
}

TEST_CASE("report-r2: summary.json records the run, the ROC, the operating point and the categories") {
    Folder f(false);
    const auto j = eval_summary_json(f.result, f.input);
    CHECK(j["r2bench_version"] == R2BENCH_VERSION);
    CHECK(j["run"]["model"] == "r2vos_tiny");
    CHECK(j["run"]["weights"]["file"] == "model_zoo/tiny_weights/r2vos_tiny.safetensors");
    CHECK(j["run"]["weights"]["sha256"] == "ab12cd34");
    CHECK(j["run"]["family"] == "r2vos");
    const auto& a = j["alignment"];
    // Positives {0.9, 0.6, 0.4}, negatives {0.6, 0.2, 0.1}: U = 3 + (0.5 + 2) + 2 = 7.5 of 9.
    CHECK(a["auroc"].get<double>() == doctest::Approx(7.5 / 9));
    CHECK(a["degenerate"] == false);
    CHECK(a["degenerate_note"].is_null());
    // (0, 0); ≥ 0.9 (0, 1/3); ≥ 0.6 (1/3, 2/3); ≥ 0.4 (1/3, 1); ≥ 0.2 (2/3, 1) lies on the way to ≥ 0.1 (1, 1): dropped.
    REQUIRE(a["roc"].size() == 5);
    CHECK(a["roc"][0]["threshold"].is_null());
    CHECK(a["roc"][2]["fpr"].get<double>() == doctest::Approx(1.0 / 3));
    CHECK(a["roc"][2]["tpr"].get<double>() == doctest::Approx(2.0 / 3));
    CHECK(a["roc"][2]["threshold"] == 0.6);
    CHECK(a["roc"][3]["tpr"] == 1.0);
    CHECK(a["roc"][4]["threshold"] == 0.1);
    CHECK(a["roc"][4]["fpr"] == 1.0);
    // Kept (not rejected): positives a and b (2 of 3), negatives a only (1 of 3).
    CHECK(a["operating_point"]["tpr"].get<double>() == doctest::Approx(2.0 / 3));
    CHECK(a["operating_point"]["fpr"].get<double>() == doctest::Approx(1.0 / 3));
    CHECK(a["operating_point"]["rejects_at_or_below"] == 0.5);
    const auto& cat = j["R_per_category"];
    CHECK(cat["cat"]["R"] == 0.5);
    CHECK(cat["cat"]["false_alarm_share"].get<double>() == doctest::Approx(1.0 / 3));
    CHECK(cat["cat"]["J&F"] == 0.6);
    CHECK(cat["cat"]["nothing_predicted"] == false);
    CHECK(cat["fish"]["nothing_predicted"] == true);
    CHECK(cat["dog"]["false_alarm_share"] == 0.0);

    Folder d(true);
    const auto dj = eval_summary_json(d.result, d.input);
    CHECK(dj["alignment"]["degenerate"] == true);
    CHECK(dj["alignment"]["degenerate_note"] == "the alignment scores do not separate pairs");
    CHECK(dj["alignment"]["scores_std"].get<double>() < 1e-3);
    CHECK(dj["alignment"]["scores_std"].get<double>() > 0);
}

TEST_CASE("report-r2: per_expression.csv's alignment and false-alarm columns") {
    Folder f(false);
    const auto alignment = read_alignment_summary(f.input.predictions);
    REQUIRE(alignment);
    const std::string csv = per_expression_csv(f.result, &*alignment);
    const auto a = csv_row(csv, 0), b = csv_row(csv, 1), c = csv_row(csv, 2);
    CHECK(a.at("A_positive") == "0.900000"); CHECK(a.at("rejected_positive") == "0");
    CHECK(a.at("A_negative") == "0.600000"); CHECK(a.at("rejected_negative") == "0");
    CHECK(b.at("rejected_negative") == "1");
    CHECK(c.at("A_positive") == "0.400000"); CHECK(c.at("rejected_positive") == "1");
    CHECK(c.at("A_negative") == "0.100000");
    CHECK(a.at("false_alarm_share") == "0.333333");  // 50 / (50 + 100)
    CHECK(b.at("false_alarm_share") == "0.000000");
    CHECK(c.at("false_alarm_share") == "0.000000");  // nothing predicted anywhere: no false alarm
    CHECK(a.at("expression") == "the thing a");
    // The column order that position-based readers rely on is kept up to missing_frames.
    CHECK(csv.rfind("video,exp_id,obj_id,negative_video,frames,J,J_recall,J_decay,F,F_recall,F_decay,J&F,positive_pixels,"
                    "negative_pixels,R,missing_frames,",
                    0) == 0);
    // Without scores.json the alignment cells are empty.
    const auto plain = csv_row(per_expression_csv(f.result), 0);
    CHECK(plain.at("A_positive").empty());
    CHECK(plain.at("rejected_negative").empty());
    CHECK(plain.at("false_alarm_share") == "0.333333");
}

TEST_CASE("report-r2: eval's console flags a degenerate pair head instead of reporting its rejections") {
    Folder good(false), flat(true);
    const std::string g = eval_alignment_table(good.result, good.input);
    CHECK(g.find("AUROC 83.3, accuracy 66.7 (3 positive and 3 negative pairs; rejected 1 and 2)") != std::string::npos);
    CHECK(g.find("do not separate") == std::string::npos);
    // Categories, lowest R first; the fish is not "100.0".
    CHECK(g.find("R per referred category, lowest first: cat 50.0, dog 100.0, fish nothing predicted on either video") !=
          std::string::npos);
    const std::string d = eval_alignment_table(flat.result, flat.input);
    CHECK(d.find("the alignment scores do not separate pairs") != std::string::npos);
    CHECK(d.find("rejected 1 and 1") == std::string::npos);
    CHECK(d.find("its 2 rejections are noise") != std::string::npos);
}

TEST_CASE("report-r2: report.html names the model and weights, draws the ROC and the category table") {
    for (const bool degenerate : {false, true}) {
        CAPTURE(degenerate);
        Folder f(degenerate);
        json summary = eval_summary_json(f.result, f.input);
        summary["inputs"]["predictions"] = "";  // no thumbnails: their files do not exist
        const std::string html = render_html_report(summary, f.result, table_for(f.result));
        CHECK(html.find("<h1>r2bench evaluation report: r2vos_tiny</h1>") != std::string::npos);
        CHECK(html.find("<code>model_zoo/tiny_weights/r2vos_tiny.safetensors</code><br>SHA-256 <code>ab12cd34</code>") !=
              std::string::npos);
        CHECK(html.find(fmt::format("<tr><th>data set (ground truth)</th><td><code>{}</code>", f.input.gt_root.string())) !=
              std::string::npos);
        CHECK(html.find(fmt::format("<tr><th>r2bench</th><td>eval {}, run 0.1.0</td>", R2BENCH_VERSION)) != std::string::npos);
        const size_t roc = html.find("ROC of the alignment score A");
        REQUIRE(roc != std::string::npos);
        CHECK((html.find("do not separate pairs", roc) != std::string::npos) == degenerate);
        CHECK((html.find("unrelated pairs — <b class='bad'>the alignment scores do not separate pairs</b>") != std::string::npos) ==
              degenerate);
        if (!degenerate) {
            CHECK(html.find("<b>AUROC 83.3 %</b> over 3 matching and 3 unrelated pairs") != std::string::npos);
            CHECK(html.find("operating point (rejects at A ≤ 0.5): FPR 33.3 %, TPR 66.7 %") != std::string::npos);
        }
        // Category rows: cat (R 50), dog (R 100), then fish marked as empty, never "100.0".
        const size_t table = html.find("<table class='sortable categories'>");
        REQUIRE(table != std::string::npos);
        const size_t cat = html.find("<td class='l'>cat</td>", table), dog = html.find("<td class='l'>dog</td>", table),
                     fish = html.find("<tr class='empty'><td class='l'>fish</td>", table);
        CHECK(cat < dog);
        CHECK(dog < fish);
        REQUIRE(fish != std::string::npos);
        const std::string fish_row = html.substr(fish, html.find("</tr>", fish) - fish);
        CHECK(fish_row.find("nothing predicted on either video") != std::string::npos);
        CHECK(fish_row.find(">100.0<") == std::string::npos);
        CHECK(html.substr(cat, html.find("</tr>", cat) - cat).find("<td>50.0</td><td>33.3</td><td>60.0</td>") != std::string::npos);
    }
}

TEST_CASE("report-r2: a run.json without a model name is left out; one that is not JSON is an error naming it") {
    Folder f(false);
    write_file_atomically(f.input.predictions / "run.json", R"({"weights": 3})");
    CHECK_FALSE(eval_summary_json(f.result, f.input).contains("run"));
    // A model name with odd weights: the model is named, the weights are not.
    write_file_atomically(f.input.predictions / "run.json", R"({"model": "m", "weights": {"file": 1}})");
    const auto j = eval_summary_json(f.result, f.input);
    CHECK(j["run"]["model"] == "m");
    CHECK(j["run"]["weights"].is_null());
    CHECK(j["run"]["r2bench_version"].is_null());
    write_file_atomically(f.input.predictions / "run.json", "{\"model\": ");
    CHECK_THROWS_WITH_AS(eval_summary_json(f.result, f.input), doctest::Contains("run.json"), FileError);
}

TEST_CASE("report-r2: without run.json or scores.json the header and the ROC section say so") {
    Folder f(false);
    fs::remove(f.input.predictions / "run.json");
    {
        json with_scores = eval_summary_json(f.result, f.input);
        with_scores["inputs"]["predictions"] = "";
        const std::string html = render_html_report(with_scores, f.result, table_for(f.result));
        CHECK(html.find("<b>r2vos_tiny</b> (named by scores.json; no run.json, so no weights)") != std::string::npos);
        CHECK(html.find("ROC of the alignment score A") != std::string::npos);
    }
    fs::remove(f.input.predictions / "scores.json");
    json summary = eval_summary_json(f.result, f.input);
    CHECK_FALSE(summary.contains("run"));
    CHECK_FALSE(summary.contains("alignment"));
    summary["inputs"]["predictions"] = "";
    const std::string html = render_html_report(summary, f.result, table_for(f.result));
    CHECK(html.find("<h1>r2bench evaluation report</h1>") != std::string::npos);
    CHECK(html.find("the prediction folder has no run.json") != std::string::npos);
    CHECK(html.find("no scores.json") != std::string::npos);
    CHECK(html.find("ROC of the alignment score A") == std::string::npos);
}

TEST_CASE("report-r2: five series at J = 0 are five visible panels with distinct colours, markers and dashes") {
    const std::vector<std::vector<double>> zeros(5, std::vector<double>(6, 0.0));
    const std::vector<std::string> names = {"v1/0", "v2/0", "v3/0", "v4/0", "v5/0"};
    const std::string s = svg::lines(zeros, names, "J per frame", "J (%)", "frame index");
    static const std::regex line("<polyline fill='none' stroke='(#[0-9a-f]{6})' stroke-width='2' stroke-opacity='0.9'"
                                 "(?: stroke-dasharray='([0-9 ]+)')? points='[0-9.]+,([0-9.]+) ");
    std::set<std::string> colours, dashes;
    std::set<double> baselines;  // the pixel row of J = 0 in each series' panel
    for (auto it = std::sregex_iterator(s.begin(), s.end(), line); it != std::sregex_iterator(); ++it) {
        colours.insert((*it)[1]), dashes.insert((*it)[2]), baselines.insert(std::stod((*it)[3]));
    }
    CHECK(colours.size() == 5);
    CHECK(dashes.size() == 5);     // the first solid ("") and four patterns
    CHECK(baselines.size() == 5);  // five panels, not five lines on one another
    for (const auto& n : names) CHECK(s.find(">" + n + "</text>") != std::string::npos);  // each panel's legend entry
    // Five marker shapes: circle, square, triangle, diamond, cross.
    CHECK(s.find("<circle") != std::string::npos);
    CHECK(s.find("<rect x=") != std::string::npos);
    CHECK(s.find("Z' fill='" + std::string(svg::series_colour(2))) != std::string::npos);
    CHECK(s.find("Z' fill='" + std::string(svg::series_colour(3))) != std::string::npos);
    CHECK(s.find("stroke='" + std::string(svg::series_colour(4)) + "' stroke-width='2'><title>") != std::string::npos);
    // Frame tick labels appear once (under the last panel), not once per panel.
    size_t zero_labels = 0;
    for (size_t at = s.find("class='tick'>0<"); at != std::string::npos; at = s.find("class='tick'>0<", at + 1)) ++zero_labels;
    CHECK(zero_labels == 1);
}

TEST_CASE("report-r2: the ROC chart has the chance line, the operating point and the degenerate note") {
    const svg::Point op{0.5, 0.75};
    const std::string s = svg::roc({{0, 0}, {0, 0.5}, {0.5, 1}, {1, 1}}, &op, "ROC", "ROC of A (AUROC 87.5 %)",
                                   "operating point (rejects at A ≤ 0.5): FPR 50.0 %, TPR 75.0 %", "the alignment scores do not separate pairs");
    CHECK(s.find("chance (AUROC 50 %)") != std::string::npos);
    CHECK(s.find("false-positive rate") != std::string::npos);
    CHECK(s.find("true-positive rate") != std::string::npos);
    CHECK(s.find(">100</text>") != std::string::npos);
    CHECK(s.find("fill='#c00' font-weight='bold'>the alignment scores do not separate pairs</text>") != std::string::npos);
    // The curve maps (0.5, 1) to x = 60 + 150, y = 34.
    CHECK(s.find("210.0,34.0") != std::string::npos);
    // The operating point is a large diamond centred at (60 + 150, 34 + 300 · 0.25) = (210, 109).
    CHECK(s.find("<path d='M210.0,102.0L217.0,109.0L210.0,116.0L203.0,109.0Z'") != std::string::npos);
}

TEST_CASE("report-r2: the expression table shows A and the rejections read back from per_expression.csv") {
    Folder f(false);
    fs::create_directories(f.dir / "eval");
    const auto alignment = read_alignment_summary(f.input.predictions);
    write_file_atomically(f.dir / "eval/per_expression.csv", per_expression_csv(f.result, &*alignment));
    const auto columns = read_alignment_columns(f.dir / "eval");
    REQUIRE(columns.size() == 3);
    REQUIRE(columns[2]);
    CHECK(columns[2]->positive == 0.4);
    CHECK(columns[2]->positive_rejected);
    CHECK(columns[2]->negative == 0.1);
    CHECK_FALSE(columns[0]->negative_rejected);
    json summary = eval_summary_json(f.result, f.input);
    summary["inputs"]["predictions"] = "";
    const std::string html = render_html_report(summary, f.result, table_for(f.result), columns);
    CHECK(html.find(">A own</th>") != std::string::npos);
    // Expression c: 0 px on both sides, A 0.4 rejected on its video and 0.1 rejected on the negative.
    CHECK(html.find("<td>0</td><td>0</td><td>0.0</td><td class='nw'>0.4000 rejected</td><td class='nw'>0.1000 rejected</td></tr>") != std::string::npos);
    // Without the columns (an eval folder from before them) the table is as it was.
    CHECK(render_html_report(summary, f.result, table_for(f.result)).find(">A own</th>") == std::string::npos);
}
