#include "reports/html_report.h"

#include "core/wording.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "core/text_format.h"
#include "metrics/alignment.h"
#include "metrics/robustness.h"
#include "reports/eval_report.h"
#include "reports/mask_view.h"
#include "reports/svg.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {



// ---- Thumbnails ---------------------------------------------------------------------------------
// A thumbnail is two stacked images of its display size (320 px wide, so every line is a whole
// number of screen pixels whatever the frame size): the frame as a JPEG, and the marks as a
// transparent PNG over it. JPEG would blur the marks' one- and two-pixel coloured lines into
// their neighbours (chroma is stored at half resolution), and a PNG of the whole frame is five
// times larger; the marks alone are mostly transparent and compress to a few kilobytes.
// The colours were chosen against the synthetic frames, saturated textures of every hue: each
// mark pairs a bright colour with black or white, so one of the two contrasts with any background.

constexpr int kThumbWidth = 320;
const cv::Scalar kBlack(0, 0, 0, 255), kWhite(255, 255, 255, 255);  // BGRA
const cv::Scalar kGreen(0, 255, 0, 255);                              // ground truth
const cv::Scalar kAzure(255, 200, 0, 255);    // prediction on the expression's own video, far from the green
const cv::Scalar kMagenta(255, 0, 255, 255);  // prediction on the negative video: a false alarm

enum class Mark { positive, negative };

cv::Size thumb_size(cv::Size source) {
    return {kThumbWidth, std::max(1, int(std::lround(double(kThumbWidth) * source.height / std::max(1, source.width))))};
}

// A mask at thumbnail size. Downscaling keeps a pixel that is at least a quarter covered, so that
// objects one or two pixels thin in the frame stay visible.
cv::Mat fit_mask(const cv::Mat& mask, cv::Size size) {
    if (mask.empty()) return cv::Mat::zeros(size, CV_8U);
    if (mask.size() == size) return mask.clone();
    cv::Mat out;
    cv::resize(mask, out, size, 0, 0, mask.cols > size.width ? cv::INTER_AREA : cv::INTER_NEAREST);
    return out > 63;
}

cv::Mat ring(const cv::Mat& mask, int from, int to) {  // pixels at distance (from, to] outside the mask
    const cv::Mat k = cv::getStructuringElement(cv::MORPH_RECT, {3, 3});
    cv::Mat inner = mask.clone(), outer;
    if (from > 0) cv::dilate(mask, inner, k, {-1, -1}, from);
    cv::dilate(mask, outer, k, {-1, -1}, to);
    return outer & ~inner;
}

cv::Mat inner_ring(const cv::Mat& mask, int width) {  // the mask's own pixels within `width` of its edge
    cv::Mat eroded;
    cv::erode(mask, eroded, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}), {-1, -1}, width, cv::BORDER_CONSTANT, 0);
    return mask & ~eroded;
}

// Objects a few pixels wide are hard to find in a thumbnail, so each small blob of a mask also gets
// a circle of radius `margin` beyond its extent. The ground truth and the prediction use different
// margins, so their circles stay apart when both mark the same spot, and every circle's black rim
// is drawn before any circle's colour, so that no rim hides another circle.
struct Circle {
    cv::Point centre;
    int radius;
    cv::Scalar colour;
};

void add_small_blobs(std::vector<Circle>& circles, const cv::Mat& mask, const cv::Scalar& colour, int margin) {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    for (int i = 1, added = 0; i < n && added < 12; ++i) {
        const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
        if (std::max(w, h) >= 10) continue;
        const cv::Point centre(stats.at<int>(i, cv::CC_STAT_LEFT) + w / 2, stats.at<int>(i, cv::CC_STAT_TOP) + h / 2);
        circles.push_back({centre, std::max(w, h) / 2 + margin, colour});
        ++added;
    }
}

// The ground truth: a green line with a black rim just *outside* the object, so that it never
// hides the object (thin ones included) nor the prediction drawn inside.
void draw_ground_truth(cv::Mat& marks, const cv::Mat& gt) {
    if (cv::countNonZero(gt) == 0) return;
    marks.setTo(kBlack, ring(gt, 2, 3));
    marks.setTo(kGreen, ring(gt, 0, 2));
}

// A prediction: diagonal hatching (two bright pixels and one dark per stripe) over its area, and
// an edge inside it. On the expression's video: azure and black "\" stripes. On the negative
// video, where any pixel is a false alarm: magenta and white "/" stripes, a magenta edge inside
// and a white-then-black rim outside, unlike anything in a natural or synthetic frame.
void draw_prediction(cv::Mat& marks, const cv::Mat& pred, Mark mark) {
    if (cv::countNonZero(pred) == 0) return;
    const bool negative = mark == Mark::negative;
    const cv::Scalar colour = negative ? kMagenta : kAzure, partner = negative ? kWhite : kBlack;
    auto vec = [](const cv::Scalar& c) { return cv::Vec4b(uint8_t(c[0]), uint8_t(c[1]), uint8_t(c[2]), uint8_t(c[3])); };
    const cv::Vec4b bright = vec(colour), dark = vec(partner);
    for (int y = 0; y < marks.rows; ++y) {
        const uint8_t* m = pred.ptr<uint8_t>(y);
        cv::Vec4b* p = marks.ptr<cv::Vec4b>(y);
        for (int x = 0; x < marks.cols; ++x) {
            if (!m[x]) continue;
            const int phase = ((negative ? x + y : x - y) % 6 + 6) % 6;
            if (phase < 2) p[x] = bright;
            else if (phase == 2) p[x] = dark;
        }
    }
    if (negative) {
        marks.setTo(kMagenta, inner_ring(pred, 2));
        marks.setTo(kBlack, ring(pred, 1, 2));
        marks.setTo(kWhite, ring(pred, 0, 1));
    } else {
        marks.setTo(kAzure, inner_ring(pred, 2));
        marks.setTo(kBlack, inner_ring(pred, 1));
    }
}

// Both masks (at the overlay's size) with the circles around their small blobs; a false alarm
// also frames the whole thumbnail in magenta.
void draw_marks(cv::Mat& marks, const cv::Mat& gt, const cv::Mat& pred, Mark mark) {
    draw_ground_truth(marks, gt);
    draw_prediction(marks, pred, mark);
    std::vector<Circle> circles;
    add_small_blobs(circles, gt, kGreen, 11);
    add_small_blobs(circles, pred, mark == Mark::negative ? kMagenta : kAzure, 6);
    for (const auto& c : circles) cv::circle(marks, c.centre, c.radius, kBlack, 3);
    for (const auto& c : circles) cv::circle(marks, c.centre, c.radius, c.colour, 1);
    if (mark == Mark::negative && cv::countNonZero(pred) > 0)
        cv::rectangle(marks, cv::Rect(0, 0, marks.cols, marks.rows), kMagenta, 4 * 2);  // half of it falls outside
}

struct Thumbnail {
    cv::Mat frame;  // BGR
    cv::Mat marks;  // BGRA, transparent where nothing is drawn
};

std::string data_uri(const cv::Mat& image, const char* extension) {
    const bool png = std::string(extension) == ".png";
    const std::string bytes = png ? png_bytes(image, 9) : jpeg_bytes(image, 90);
    return fmt::format("data:image/{};base64,{}", png ? "png" : "jpeg", base64(bytes));
}

// The frame (or a grey field when it is missing) at thumbnail size, and the masks drawn for it.
Thumbnail render_panel(const fs::path& jpg, const cv::Mat& gt, const cv::Mat& pred, Mark mark) {
    cv::Mat frame = read_frame_bgr(jpg);
    const cv::Size source = !frame.empty() ? frame.size() : !pred.empty() ? pred.size() : !gt.empty() ? gt.size() : cv::Size(16, 9);
    const cv::Size size = thumb_size(source);
    Thumbnail t;
    if (frame.empty()) t.frame = cv::Mat(size, CV_8UC3, cv::Scalar(110, 110, 110));
    else cv::resize(frame, t.frame, size, 0, 0, frame.cols > size.width ? cv::INTER_AREA : cv::INTER_LINEAR);
    t.marks = cv::Mat(size, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    draw_marks(t.marks, fit_mask(gt, size), fit_mask(pred, size), mark);
    return t;
}

std::string figure(const Thumbnail& t, const std::string& alt, const std::string& caption_html, bool alarm) {
    const int w = t.frame.cols, h = t.frame.rows;
    return fmt::format("<figure{}><div class='thumb' style='width:{}px;height:{}px'><img src='{}' width='{}' height='{}' alt='{}'>"
                       "<img class='marks' src='{}' width='{}' height='{}' alt=''></div><figcaption>{}</figcaption></figure>",
                       alarm ? " class='alarm'" : "", w, h, data_uri(t.frame, ".jpg"), w, h, svg::escape(alt),
                       data_uri(t.marks, ".png"), w, h, caption_html);
}

// The legend's samples are drawn by the same code as the thumbnails, on a red-to-orange texture
// (the hardest background for red or orange marks).
std::string legend() {
    const cv::Size size(150, 96);
    cv::Mat background(size, CV_8UC3);
    for (int y = 0; y < size.height; ++y)
        for (int x = 0; x < size.width; ++x)
            background.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(20 + 20 * ((x / 8 + y / 8) % 2)), uint8_t(40 + x), uint8_t(220 + y / 4));
    cv::Mat none = cv::Mat::zeros(size, CV_8U), object = none.clone(), shifted = none.clone();
    cv::ellipse(object, {68, 48}, {34, 26}, 0, 0, 360, 255, cv::FILLED);
    cv::ellipse(shifted, {86, 52}, {34, 26}, 0, 0, 360, 255, cv::FILLED);
    cv::line(object, {16, 84}, {134, 72}, 255, 2);
    auto sample = [&](const cv::Mat& gt, const cv::Mat& pred, Mark mark) {
        Thumbnail t{background, cv::Mat(size, CV_8UC4, cv::Scalar(0, 0, 0, 0))};
        draw_marks(t.marks, gt, pred, mark);
        return t;
    };
    std::string h = "<div class='legend'>";
    h += figure(sample(object, none, Mark::positive), "legend: ground truth",
                "<b>ground truth</b>: green line with a black rim, drawn just outside the object (thin parts too)", false);
    h += figure(sample(object, shifted, Mark::positive), "legend: prediction",
                "<b>prediction</b> on the expression's video: azure/black hatching inside an azure and black edge", false);
    h += figure(sample(none, shifted, Mark::negative), "legend: false alarm",
                "<b>prediction on the negative video</b> (a false alarm, any pixel of it): magenta/white hatching, "
                "white and black rim, and a magenta frame around the thumbnail",
                true);
    h += "<p>Small objects and specks (under 10 px in the thumbnail) are also circled in their colour: green "
         "for the ground truth (the larger circle), azure or magenta for the prediction.</p>";
    return h + "</div>";
}

// ---- Numbers ------------------------------------------------------------------------------------

std::string pct(double v) { return percent(v); }
std::string pct(const json& v) { return v.is_number() ? percent(v.get<double>()) : "n/a"; }

// 187048990 → "187 048 990" (narrow no-break spaces), for counts in prose; tables keep plain digits to sort.
std::string grouped(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += "\xE2\x80\xAF";  // U+202F narrow no-break space
        out += digits[i];
    }
    return n < 0 ? "−" + out : out;
}

std::string shorten(const std::string& text, size_t max_chars) {
    size_t chars = 0, i = 0;
    for (; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++chars > max_chars) break;
    return i < text.size() ? text.substr(0, i) + "…" : text;
}

struct ExpressionRow {
    int index;
    std::vector<double> j, f;
    std::vector<int64_t> pixels;
    std::vector<std::string> frames, negative_frames;
    std::vector<int64_t> negative_pixels;
    int64_t positive = 0, negative = 0;
    double jm = NAN, fm = NAN, jf = NAN;
};

// Up to `n` indices into 0..size-1 spread evenly, always holding `must`, in increasing order.
std::vector<size_t> spread(size_t size, size_t n, size_t must) {
    std::vector<size_t> out;
    if (size == 0) return out;
    for (size_t k = 0; k < n && k < size; ++k) out.push_back(n == 1 || size == 1 ? 0 : k * (size - 1) / (std::min(n, size) - 1));
    if (std::find(out.begin(), out.end(), must) == out.end()) {
        // Replace the inner index nearest to `must`; the first and the last stay.
        size_t best = out.size() > 2 ? 1 : 0;
        for (size_t k = 1; k + 1 < out.size(); ++k)
            if (std::abs(long(out[k]) - long(must)) < std::abs(long(out[best]) - long(must))) best = k;
        out[best] = must;
        std::sort(out.begin(), out.end());
    }
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

size_t argmax(const std::vector<int64_t>& v) {
    return size_t(std::max_element(v.begin(), v.end()) - v.begin());
}

std::string code_or(const json& v, const std::string& missing) {
    return v.is_string() && !v.get<std::string>().empty() ? "<code>" + svg::escape(v.get<std::string>()) + "</code>" : missing;
}

// The page's header: which model (and weights) made the predictions, scored on which data set and
// pairs, by which r2bench. Model and weights come from the prediction folder's run.json (copied
// into summary.json by eval); reference models and outside submissions have none.
std::string header_html(const json& summary) {
    const json& inputs = summary.value("inputs", json::object());
    const json& run = summary.value("run", json());
    std::string model = "<i>not recorded</i>: the prediction folder has no run.json (a reference model, or predictions made "
                        "outside r2bench)";
    std::string weights = "<i>not recorded</i>";
    const json& alignment = summary.value("alignment", json());
    if (!run.is_object() && alignment.is_object() && !alignment.value("model", "").empty())
        // A run folder copied without its run.json still names its model in scores.json.
        model = "<b>" + svg::escape(alignment.value("model", "")) + "</b> (named by scores.json; no run.json, so no weights)";
    if (run.is_object()) {
        model = "<b>" + svg::escape(run.value("model", "")) + "</b>";
        if (run.value("family", json()).is_string()) model += " (family " + svg::escape(run["family"].get<std::string>()) + ")";
        const json& w = run.value("weights", json());
        weights = w.is_object() ? fmt::format("<code>{}</code><br>SHA-256 <code>{}</code>", svg::escape(w.value("file", "")),
                                              svg::escape(w.value("sha256", "")))
                  : run.value("synthetic_weights", false) ? "<b class='bad'>synthetic</b> (untrained formula weights: the scores mean nothing)"
                                                          : "<i>not recorded</i>";
    }
    std::string version = fmt::format("eval {}", svg::escape(summary.value("r2bench_version", "(before 0.1.0)")));
    if (run.is_object() && run.value("r2bench_version", json()).is_string())
        version += fmt::format(", run {}", svg::escape(run["r2bench_version"].get<std::string>()));
    std::string h = "<h1>r2bench evaluation report" + (run.is_object() ? ": " + svg::escape(run.value("model", "")) : "") + "</h1>";
    h += "<table class='meta'>";
    h += "<tr><th>model</th><td>" + model + "</td></tr><tr><th>weights</th><td>" + weights + "</td></tr>";
    h += "<tr><th>data set (ground truth)</th><td>" + code_or(inputs.value("ground_truth", json()), "<i>none given</i> (no J and F)") + "</td></tr>";
    h += "<tr><th>pairs</th><td>" + code_or(inputs.value("pairs", json()), "<i>none given</i> (no R)") + "</td></tr>";
    h += "<tr><th>predictions</th><td>" + code_or(inputs.value("predictions", json()), "<i>unknown</i>") + "</td></tr>";
    h += "<tr><th>r2bench</th><td>" + version + "</td></tr></table>";
    return h;
}

// The alignment section: the ROC curve of A with its AUROC and the operating point the model used,
// or why there is none; a degenerate A (no spread) is said next to the AUROC.
std::string alignment_html(const json& summary) {
    std::string h = "<h2>Alignment: does the model tell matching pairs from unrelated ones?</h2>";
    const json& a = summary.value("alignment", json());
    if (!a.is_object()) {
        return h + "<p class='explain'>No alignment scores: the prediction folder has no scores.json (reference models and "
                   "outside submissions write none), so there is no AUROC. R below still measures what was segmented on the "
                   "unrelated videos.</p>";
    }
    const bool degenerate = a.value("degenerate", false);
    std::vector<svg::Point> curve;
    for (const json& p : a.value("roc", json::array())) curve.push_back({p.value("fpr", 0.0), p.value("tpr", 0.0)});
    const json& op = a.value("operating_point", json::object());
    const svg::Point operating{op.value("fpr", 0.0), op.value("tpr", 0.0)};
    const json& threshold = op.value("rejects_at_or_below", json());
    const std::string rule = threshold.is_number() ? fmt::format("rejects at A ≤ {}", svg::tick_label(threshold.get<double>()))
                                                   : std::string("never rejects");
    const std::string operating_label =
        fmt::format("operating point ({}): FPR {} %, TPR {} %", rule, pct(operating.x), pct(operating.y));
    const std::string note = degenerate ? fmt::format("{} (std of A {:.2g})", kNoSeparationNote, a.value("scores_std", 0.0)) : "";
    h += "<div class='plots'>";
    h += svg::roc(curve, &operating, "ROC of the alignment score A", "ROC of A (AUROC " + pct(a.value("auroc", json())) + " %)",
                  operating_label, note);
    h += "<div class='explain' style='flex:1 1 380px'>";
    h += fmt::format("<p><b>AUROC {} %</b> over {} matching and {} unrelated pairs{}.</p>", pct(a.value("auroc", json())),
                     a.value("positive_pairs", 0), a.value("negative_pairs", 0),
                     degenerate ? fmt::format(" — <b class='bad'>{}</b>: A varies by {:.2g} (standard deviation) across all pairs, "
                                              "so its ranking and its rejections are float noise",
                                              kNoSeparationNote, a.value("scores_std", 0.0))
                                : "");
    h += "<p>A is the model's own score that an expression matches the video (R2-VOS: 1 − its pair head's probability of an "
         "unrelated pair; ReferFormer and MTTR: the chosen query's class probability). The curve calls a pair matching when A "
         "is at or above a threshold: the true-positive rate is the share of matching pairs (the expression on its own video) "
         "kept, the false-positive rate the share of unrelated pairs (on the negative video) kept. 100 % AUROC separates them "
         "all, 50 % is chance.</p>";
    h += fmt::format("<p>The model's <b>operating point</b>: it {}, so it kept {} of {} matching and {} of {} unrelated pairs "
                     "(rejected {} and {}){}.</p>",
                     rule, a.value("positive_pairs", int64_t(0)) - a.value("rejected_positive", int64_t(0)), a.value("positive_pairs", 0),
                     a.value("negative_pairs", int64_t(0)) - a.value("rejected_negative", int64_t(0)), a.value("negative_pairs", 0),
                     a.value("rejected_positive", 0), a.value("rejected_negative", 0),
                     degenerate ? "; with A this flat, which pairs fall on either side of the threshold is chance" : "");
    return h + "</div></div>";
}

// summary.json's R_per_category as the evaluator computed it.
std::vector<CategoryRobustness> categories_of(const json& summary) {
    std::vector<CategoryRobustness> out;
    const json by_category = summary.value("R_per_category", json::object());  // items() must not outlive it
    for (const auto& [name, c] : by_category.items()) {
        CategoryRobustness r;
        r.category = name;
        r.expressions = c.value("expressions", 0);
        r.positive_pixels = c.value("positive_pixels", int64_t(0)), r.negative_pixels = c.value("negative_pixels", int64_t(0));
        if (c.value("R", json()).is_number()) r.r = c["R"].get<double>();
        if (c.value("J&F", json()).is_number()) r.jf = c["J&F"].get<double>();
        r.negatives_missing = c.value("negatives_missing", false);
        out.push_back(r);
    }
    order_by_harm(out);
    return out;
}

// One row per referred category, what hurts most first; a category with nothing predicted on
// either video says so instead of showing the formula's R = 100.
std::string categories_html(const json& summary) {
    const std::vector<CategoryRobustness> categories = categories_of(summary);
    if (categories.empty()) return "";
    std::string h = "<h2>Per referred category</h2><p class='explain'>The category of the object each expression refers to "
                    "(from the data set's meta.json). Sorted by what hurts most: the highest false-alarm share (the lowest R) "
                    "first, ties by the lowest J&amp;F; categories where nothing was predicted on either video come last, "
                    "marked as such: R = 1 − 0/0 counts as 100 % by the formula but says nothing.</p>"
                    "<table class='sortable categories'><tr><th class='l'>category</th><th>expressions</th><th>R</th>"
                    "<th title='Σneg / (Σneg + Σpos)'>false-alarm share</th><th>J&amp;F</th><th>Σpos px</th><th>Σneg px</th></tr>";
    for (const auto& c : categories) {
        const bool empty = c.nothing_predicted();
        h += fmt::format("<tr{}><td class='l'>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         empty ? " class='empty'" : "", svg::escape(c.category), c.expressions, c.r && !empty ? "" : " class='l'",
                         svg::escape(category_r_text(c)), c.negatives_missing ? "n/a" : pct(c.false_alarm_share()), pct(c.jf),
                         c.positive_pixels, c.negative_pixels);
    }
    return h + "</table>";
}

}  // namespace

std::string render_html_report(const json& summary, const EvalResult& scores, const PerFrameTable& table,
                               const std::vector<std::optional<PairAlignment>>& alignment) {
    const bool gt = table.has_gt, pairs = table.has_pairs;
    if (scores.expressions.size() != table.expressions.size())
        throw Error(fmt::format("per_expression.csv has {} expressions and per_frame.h5 {}: not from the same eval",
                                scores.expressions.size(), table.expressions.size()));
    // Per-frame series from per_frame.h5; every per-expression number from the evaluator.
    std::vector<ExpressionRow> rows(table.expressions.size());
    for (size_t e = 0; e < rows.size(); ++e) {
        const ExpressionResult& s = scores.expressions[e];
        if (s.expression.video != table.expressions[e].video || s.expression.exp_id != table.expressions[e].exp_id)
            throw Error(fmt::format("per_expression.csv and per_frame.h5 list different expressions ({}/{} and {}/{})",
                                    s.expression.video, s.expression.exp_id, table.expressions[e].video,
                                    table.expressions[e].exp_id));
        rows[e].index = int(e);
        rows[e].positive = s.positive_pixels, rows[e].negative = s.negative_pixels;
        if (gt) rows[e].jm = s.j_stats.mean, rows[e].fm = s.f_stats.mean, rows[e].jf = (s.j_stats.mean + s.f_stats.mean) / 2;
    }
    for (const auto& p : table.positive) {
        auto& r = rows[size_t(p.expression)];
        r.j.push_back(p.j), r.f.push_back(p.f), r.pixels.push_back(p.pixels), r.frames.push_back(p.frame);
    }
    for (const auto& n : table.negative) {
        auto& r = rows[size_t(n.expression)];
        r.negative_frames.push_back(n.frame), r.negative_pixels.push_back(n.pixels);
    }
    const std::vector<VideoResult>& videos = scores.videos;
    const json& pixels = summary.value("pixels", json::object());
    const int64_t total_positive = pixels.value("positive", int64_t(0));
    const int64_t total_negative = pixels.contains("negative") && pixels["negative"].is_number() ? pixels["negative"].get<int64_t>() : 0;

    const json& inputs = summary.value("inputs", json::object());
    const fs::path annotations = inputs.value("ground_truth_annotations", "");
    const fs::path predictions = inputs.value("predictions", "");
    // The frames folder eval found for the layout (Ref-YouTube-VOS, Ref-DAVIS17, MeViS); older
    // summaries name only the annotations, beside which Ref-YouTube-VOS keeps JPEGImages.
    const fs::path images = !inputs.value("frames", "").empty() ? fs::path(inputs.value("frames", ""))
                            : annotations.empty()               ? fs::path()
                                                                : annotations.parent_path() / "JPEGImages";
    const auto input_text = [&](const char* key) { return inputs.contains(key) && inputs[key].is_string() ? inputs[key].get<std::string>() : ""; };
    const GroundTruthMasks ground_truth(input_text("ground_truth_format"), annotations, input_text("ground_truth_expressions"));
    auto jpg = [&](const std::string& video, const std::string& frame) {
        return images.empty() ? fs::path() : images / video / (frame + ".jpg");
    };

    std::string h;
    h += "<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench report</title><style>"
         "body{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222;max-width:1380px}"
         "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
         "th{background:#f0f0f0;cursor:pointer;position:sticky;top:0}td.l,th.l{text-align:left}"
         ".summary td{font-size:1.2em}.plots{display:flex;flex-wrap:wrap;align-items:flex-start;gap:12px}"
         ".chart{border:1px solid #e4e4e4;background:#fff}"
         "figure{display:inline-block;vertical-align:top;margin:4px 6px 8px 0;width:320px}"
         "figure img{display:block}.thumb{position:relative}.thumb img.marks{position:absolute;left:0;top:0}"
         "figcaption{font-size:12px;line-height:1.35;margin-top:3px}.alarm figcaption b{color:#b0b}"
         ".legend figure{width:200px;margin-right:18px}.legend p{font-size:12px;max-width:300px;margin:0}"
         ".legend{display:flex;align-items:flex-start;"
         "background:#f6f6f6;padding:8px;border:1px solid #ddd}"
         ".strip{margin:8px 0;border-top:1px solid #ddd;padding-top:8px}.strip>div{font-size:14px;margin-bottom:4px}"
         ".note{color:#a60}.bad{color:#c00}table.meta th{text-align:left;cursor:default;position:static}"
         "table.meta td{text-align:left}tr.empty td{color:#777;background:#f7f7f7}td.nw{white-space:nowrap}"
         ".explain{max-width:900px;font-size:14px;line-height:1.45}</style></head><body>";
    h += header_html(summary);
    for (const auto& note : summary.value("notes", json::array())) h += "<p class='note'>" + svg::escape(note.get<std::string>()) + "</p>";

    // Summary table.
    const json& m = summary.value("metrics", json::object());
    const json& J = summary.value("J", json::object());
    const json& F = summary.value("F", json::object());
    h += "<h2>Summary</h2><table class='summary'><tr><th>J&amp;F</th><th>J</th><th>F</th><th>R</th><th>J&amp;F&amp;R</th>"
         "<th>J-Recall</th><th>J-Decay</th><th>F-Recall</th><th>F-Decay</th></tr><tr>";
    for (const json& v : {m.value("J&F", json()), m.value("J", json()), m.value("F", json()), m.value("R", json()),
                          m.value("J&F&R", json()), J.value("recall", json()), J.value("decay", json()),
                          F.value("recall", json()), F.value("decay", json())})
        h += "<td>" + pct(v) + "</td>";
    const json& counts = summary.value("counts", json::object());
    h += fmt::format("</tr></table><p>{}, {}, {}, {}; scores in percent.", plural(counts.value("videos", 0), "video"),
                     plural(counts.value("expressions", 0), "expression"), plural(counts.value("positive_frames", 0), "positive frame"),
                     plural(counts.value("negative_frames", 0), "negative frame"));
    if (pairs)
        h += fmt::format(" Foreground pixels predicted: Σpos = {} on the expressions' own videos, Σneg = {} on their negative "
                         "videos; R = 1 − Σneg / Σpos.",
                         grouped(total_positive), grouped(total_negative));
    h += "</p>";
    h += alignment_html(summary);
    if (pairs) h += categories_html(summary);

    // Plots.
    h += "<h2>Plots</h2><div class='plots'>";
    std::vector<size_t> by_jf;  // expressions with frames (a NaN J&F would break the sort's ordering)
    for (size_t i = 0; i < rows.size(); ++i)
        if (!std::isnan(rows[i].jf)) by_jf.push_back(i);
    if (gt) {
        std::vector<double> jf;
        for (const auto& r : rows) jf.push_back(r.jf);
        h += svg::histogram(jf, 10, fmt::format("Per-expression J&F ({} expressions)", rows.size()), "J&F of the expression (%)",
                            "expressions");
        std::stable_sort(by_jf.begin(), by_jf.end(), [&](size_t a, size_t b) { return rows[a].jf < rows[b].jf; });
        std::vector<std::vector<double>> series;
        std::vector<std::string> names;
        for (size_t k = 0; k < by_jf.size() && k < 5; ++k) {
            const auto& e = table.expressions[by_jf[k]];
            series.push_back(rows[by_jf[k]].j);
            names.push_back(fmt::format("{}/{} “{}” (J&F {} %)", e.video, e.exp_id, shorten(e.text, 28), pct(rows[by_jf[k]].jf)));
        }
        h += svg::lines(series, names, "J per frame, the 5 worst expressions", "J (%)",
                        "frame index within the expression's annotated frames");
    }
    if (pairs && total_positive > 0) {
        // Each video's share of 1 − R: its negative pixels over all positive pixels. The bars add up
        // to 100 − R (in points), so the chart shows where R was lost.
        std::vector<size_t> order;
        for (size_t i = 0; i < videos.size(); ++i)
            if (videos[i].negative_pixels > 0) order.push_back(i);
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return videos[a].negative_pixels > videos[b].negative_pixels; });
        const size_t shown = std::min<size_t>(order.size(), 25);
        std::vector<svg::Bar> bars;
        double shown_points = 0;
        for (size_t k = 0; k < shown; ++k) {
            const VideoResult& v = videos[order[k]];
            const double points = 100.0 * double(v.negative_pixels) / double(total_positive);
            shown_points += points;
            bars.push_back({v.video, points, points >= 10 ? fmt::format("{:.1f}", points) : fmt::format("{:.2f}", points),
                            fmt::format("{}: Σneg {} px on its negative videos, Σpos {} px; R of the video {} %", v.video,
                                        v.negative_pixels, v.positive_pixels, percent(v.r))});
        }
        const double lost = 100.0 * double(total_negative) / double(total_positive);
        std::string subtitle =
            order.empty() ? "no foreground was predicted on any negative video"
            : shown < order.size()
                ? fmt::format("top {} of {} videos ({} with false alarms); they cost {:.1f} of the {:.1f} points", shown,
                              videos.size(), order.size(), shown_points, lost)
                : fmt::format("all {} of {} videos with false alarms; together {:.1f} points = 100 − R", shown, videos.size(), lost);
        h += svg::bar_chart(bars, "R lost per video (pixels predicted on its negative videos)", subtitle,
                            "points of R lost = Σneg of the video / Σpos of all videos × 100");
    }
    h += "</div>";

    // Thumbnails.
    const std::string legend_html = legend();
    auto negative_figure = [&](const PerFrameTable::Expression& x, const ExpressionRow& r, size_t t) {
        const std::string& frame = r.negative_frames[t];
        const cv::Mat pred = read_mask(predictions / "Negatives" / x.negative_video / x.exp_id / (frame + ".png"), {});
        const Thumbnail image = render_panel(jpg(x.negative_video, frame), cv::Mat(), pred, Mark::negative);
        const int64_t pixels = r.negative_pixels[t];
        const double area = pred.empty() ? NAN : double(pixels) / double(pred.total());
        const std::string caption =
            pixels > 0 ? fmt::format("negative video {} · frame {}<br><b>false alarm: {} px ({} % of the frame)</b>",
                                     svg::escape(x.negative_video), svg::escape(frame), grouped(pixels), std::isnan(area) ? "?" : pct(area))
                       : fmt::format("negative video {} · frame {}<br>nothing predicted (correct)", svg::escape(x.negative_video),
                                     svg::escape(frame));
        return figure(image, fmt::format("prediction on negative video {} frame {}", x.negative_video, frame), caption, pixels > 0);
    };
    auto strip_header = [&](const std::string& label, const PerFrameTable::Expression& x, const ExpressionRow& r) {
        std::string s = fmt::format("<div><b>{}</b> {}/{} “{}”", label, svg::escape(x.video), svg::escape(x.exp_id), svg::escape(x.text));
        if (gt) s += fmt::format(" · J&amp;F {} %", pct(r.jf));
        if (pairs)
            s += fmt::format(" · Σneg {} px on {}, false-alarm share {} %", grouped(r.negative), svg::escape(x.negative_video),
                             pct(false_alarm_share(r.positive, r.negative)));
        return s + "</div>";
    };
    if (gt) {
        h += "<h2>Worst and best expressions</h2><p class='explain'>Three frames of the expression's own video (the first, "
             "the one with the lowest J, the last), then its prediction on the paired negative video (the frame where it "
             "predicted the most). Thumbnails are 320 px wide.</p>" +
             legend_html;
        std::vector<std::pair<std::string, size_t>> picks;
        for (size_t k = 0; k < by_jf.size() && k < 3; ++k) picks.push_back({"worst", by_jf[k]});
        if (by_jf.size() > 3)
            for (size_t k = 0; k < by_jf.size() - 3 && k < 3; ++k) picks.push_back({"best", by_jf[by_jf.size() - 1 - k]});
        for (const auto& [label, e] : picks) {
            const auto& x = table.expressions[e];
            const auto& r = rows[e];
            h += "<div class='strip'>" + strip_header(label, x, r);
            if (!r.frames.empty()) {
                const size_t lowest = size_t(std::min_element(r.j.begin(), r.j.end()) - r.j.begin());
                for (size_t t : spread(r.frames.size(), 3, lowest)) {
                    const std::string& frame = r.frames[t];
                    const Thumbnail image = render_panel(jpg(x.video, frame), ground_truth.read(x.video, x.exp_id, x.obj_id, frame),
                                                       read_mask(predictions / "Annotations" / x.video / x.exp_id / (frame + ".png"), {}),
                                                       Mark::positive);
                    h += figure(image, fmt::format("{} frame {}", x.video, frame),
                                fmt::format("frame {} · J {} %{} · {}", svg::escape(frame), pct(r.j[t]), t == lowest ? " (lowest)" : "",
                                            r.pixels[t] > 0 ? fmt::format("{} px predicted", grouped(r.pixels[t])) : "<b>nothing predicted</b>"),
                                false);
                }
            }
            if (!r.negative_frames.empty()) h += negative_figure(x, r, argmax(r.negative_pixels));
            h += "</div>";
        }
    }
    if (pairs) {
        std::vector<size_t> by_negative;
        for (size_t i = 0; i < rows.size(); ++i)
            if (rows[i].negative > 0) by_negative.push_back(i);
        std::stable_sort(by_negative.begin(), by_negative.end(), [&](size_t a, size_t b) { return rows[a].negative > rows[b].negative; });
        h += "<h2>Largest false alarms</h2>";
        if (by_negative.empty()) {
            h += "<p>No expression has any foreground predicted on its negative video.</p>";
        } else {
            h += fmt::format("<p class='explain'>The {} of {} expressions with the most foreground predicted on their negative "
                             "video ({} of them predicted some): four frames of the negative video, including the one with the "
                             "most predicted pixels.</p>",
                             std::min<size_t>(3, by_negative.size()), rows.size(), by_negative.size());
            if (!gt) h += legend_html;
            for (size_t k = 0; k < by_negative.size() && k < 3; ++k) {
                const auto& x = table.expressions[by_negative[k]];
                const auto& r = rows[by_negative[k]];
                h += "<div class='strip'>" + strip_header(fmt::format("#{}", k + 1), x, r);
                for (size_t t : spread(r.negative_frames.size(), 4, argmax(r.negative_pixels))) h += negative_figure(x, r, t);
                h += "</div>";
            }
        }
    }

    // Sortable tables.
    if (pairs)
        h += "<h2>Videos and expressions</h2><p class='explain'><b>False-alarm share</b> = Σneg / (Σneg + Σpos): of all the "
             "foreground an expression's predictions hold, the share that lies on its negative video, where the object is "
             "absent. 0 % is ideal; 50 % means as many pixels on the negative video as on the expression's own. R = 1 − Σneg / "
             "Σpos measures the same thing (share = (1 − R) / (2 − R), so both sort alike), but for one expression Σpos can be "
             "a handful of pixels (an object that is small or rarely visible), which drives R towards minus infinity (20 "
             "negative pixels against 1 positive pixel give R = −1900 %). The expression table therefore shows the share; R "
             "is given for the data set and for each video, where Σpos is a sum over frames and expressions "
             "(<code>per_expression.csv</code> still has each expression's R). Σpos and Σneg count predicted foreground "
             "pixels.</p>";
    h += "<h2>Videos</h2><p>Scores and shares in percent; click a column to sort.</p><table class='sortable'><tr><th class='l'>video</th><th>expressions</th><th>J</th><th>F</th>"
         "<th>J&amp;F</th><th>Σpos px</th><th>Σneg px</th><th title='Σneg / (Σneg + Σpos)'>false-alarm share</th><th>R</th></tr>";
    for (const auto& v : videos)
        h += fmt::format("<tr><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         svg::escape(v.video), v.expressions, gt ? pct(v.j) : "n/a", gt ? pct(v.f) : "n/a",
                         gt ? pct(v.jf) : "n/a", v.positive_pixels, pairs ? std::to_string(v.negative_pixels) : "n/a",
                         pairs ? pct(false_alarm_share(v.positive_pixels, v.negative_pixels)) : "n/a",
                         pairs ? percent(v.r) : "n/a");
    h += "</table><h2>Expressions</h2><table class='sortable'><tr><th class='l'>video</th><th>exp</th><th class='l'>expression</th>"
         "<th>J</th><th>F</th><th>J&amp;F</th><th class='l'>negative video</th><th>Σpos px</th><th>Σneg px</th>"
         "<th title='Σneg / (Σneg + Σpos)'>false-alarm share</th>";
    const bool with_a = std::any_of(alignment.begin(), alignment.end(), [](const auto& a) { return a.has_value(); });
    if (with_a)
        h += "<th title='alignment score A on the expression&#39;s own video (rejected: the model emptied its masks)'>A own</th>"
             "<th title='alignment score A on the negative video'>A neg</th>";
    h += "</tr>";
    // A with "rejected" beside it, as the model decided.
    auto a_cell = [](double a, bool rejected) { return fmt::format("<td class='nw'>{:.4f}{}</td>", a, rejected ? " rejected" : ""); };
    for (const auto& r : rows) {
        const auto& x = table.expressions[size_t(r.index)];
        h += fmt::format("<tr><td class='l'>{}</td><td>{}</td><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td class='l'>{}</td>"
                         "<td>{}</td><td>{}</td><td>{}</td>",
                         svg::escape(x.video), svg::escape(x.exp_id), svg::escape(x.text), pct(r.jm), pct(r.fm), pct(r.jf),
                         svg::escape(x.negative_video), r.positive, pairs ? std::to_string(r.negative) : "n/a",
                         pairs ? pct(false_alarm_share(r.positive, r.negative)) : "n/a");
        const auto* a = size_t(r.index) < alignment.size() && alignment[size_t(r.index)] ? &*alignment[size_t(r.index)] : nullptr;
        if (with_a) h += a ? a_cell(a->positive, a->positive_rejected) + a_cell(a->negative, a->negative_rejected) : "<td>n/a</td><td>n/a</td>";
        h += "</tr>";
    }
    h += "</table><script>"
         "document.querySelectorAll('table.sortable th').forEach(function(th){th.onclick=function(){"
         "var table=th.closest('table'),rows=Array.from(table.rows).slice(1),i=th.cellIndex,up=th.dataset.up!=='1';"
         "th.dataset.up=up?'1':'0';rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,"
         "p=parseFloat(x),q=parseFloat(y);var c=(isNaN(p)||isNaN(q))?x.localeCompare(y):p-q;return up?c:-c;});"
         "rows.forEach(function(r){table.appendChild(r);});};});"
         "</script></body></html>\n";
    return h;
}

fs::path write_html_report(const fs::path& eval_dir) {
    const fs::path summary_path = eval_dir / "summary.json";
    std::error_code ec;
    if (!fs::is_directory(eval_dir, ec)) throw FileError(eval_dir, "no such folder (report reads the --out folder of `r2bench eval`)");
    if (!fs::exists(summary_path, ec)) {
        // The usual mix-up: a submission (a run's --out) instead of its evaluation.
        if (fs::is_directory(eval_dir / "Annotations", ec))
            throw FileError(eval_dir, fmt::format("this is a run folder (a submission), not an evaluation: run `r2bench eval --pred "
                                                  "{} --source … --pairs … --out EVAL_DIR --report` first, or report EVAL_DIR",
                                                  eval_dir.string()));
        throw FileError(eval_dir, "holds no summary.json: report reads the --out folder of `r2bench eval`");
    }
    json summary;
    try {
        summary = json::parse(read_file(summary_path));
    } catch (const json::parse_error& e) {
        throw FileError(summary_path, fmt::format("invalid JSON: {}", e.what()));
    }
    const PerFrameTable table = read_per_frame_h5(eval_dir / "per_frame.h5");
    const fs::path out = eval_dir / "report.html";
    write_file_atomically(out, render_html_report(summary, read_eval_scores(eval_dir), table, read_alignment_columns(eval_dir)));
    return out;
}

}  // namespace r2
