// compare.html: one self-contained page (inline CSS, SVG and PNG thumbnails) of `r2bench compare`.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/mask_png.h"
#include "core/text_format.h"
#include "core/wording.h"
#include "reports/compare.h"
#include "reports/mask_view.h"
#include "reports/per_frame_h5.h"
#include "reports/svg.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

std::string points(const std::optional<double>& v) { return v ? fmt::format("{:+.1f}", 100 * *v) : std::string("n/a"); }

// A delta cell coloured by its sign: green when B is better, red when worse (every metric here is
// better when higher).
std::string delta_cell(const std::optional<double>& d) {
    const char* cls = !d || std::abs(*d) < 5e-4 ? "" : *d > 0 ? " class='up'" : " class='down'";
    return fmt::format("<td{}>{}</td>", cls, points(d));
}

std::string value_rows(const std::vector<CompareValue>& rows, size_t limit, bool with_note) {
    std::string h;
    for (size_t i = 0; i < rows.size() && i < limit; ++i) {
        const CompareValue& v = rows[i];
        h += fmt::format("<tr><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td>{}", svg::escape(v.key), svg::escape(v.metric),
                         percent(v.a), percent(v.b), delta_cell(v.delta()));
        if (with_note) h += fmt::format("<td class='l'>{}</td>", svg::escape(v.note));
        h += "</tr>";
    }
    return h;
}

// ---- A diverging bar chart: one bar per video, right (green) when B is better -----------------

std::string delta_chart(const std::vector<CompareValue>& rows, const std::string& metric, size_t limit) {
    std::vector<const CompareValue*> bars;
    for (const auto& v : rows)
        if (v.metric == metric && v.delta() && bars.size() < limit) bars.push_back(&v);
    if (bars.empty()) return "";
    double largest = 1e-3;
    for (const auto* v : bars) largest = std::max(largest, std::abs(100 * *v->delta()));
    const std::vector<double> ticks = svg::nice_ticks(largest, 3);
    const double extent = ticks.back();
    double label_w = 40;
    for (const auto* v : bars) label_w = std::max(label_w, svg::text_width(v->key, 12) + 8);
    const double half = 260, left = label_w, mid = left + half, row = 20, top = 40;
    const double width = mid + half + 70, height = top + row * double(bars.size()) + 44;
    auto x_of = [&](double p) { return mid + half * p / extent; };
    std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{:.0f}' height='{:.0f}' font-family='sans-serif' "
                                "font-size='12'><text x='4' y='16' font-size='14' font-weight='bold'>Δ{} per video, B − A "
                                "(points; the {} largest changes)</text>",
                                width, height, svg::escape(metric), bars.size());
    for (double t : ticks)
        for (double sign : {-1.0, 1.0}) {
            if (t == 0 && sign < 0) continue;
            const double x = x_of(sign * t);
            s += fmt::format("<line x1='{0:.1f}' y1='{1:.0f}' x2='{0:.1f}' y2='{2:.0f}' stroke='#ddd'/><text x='{0:.1f}' y='{3:.0f}' "
                             "text-anchor='middle'>{4}</text>",
                             x, top - 6, top + row * double(bars.size()), top + row * double(bars.size()) + 14,
                             (sign < 0 ? "−" : t > 0 ? "+" : "") + svg::tick_label(t));
        }
    for (size_t i = 0; i < bars.size(); ++i) {
        const double d = 100 * *bars[i]->delta(), y = top + row * double(i);
        const double x0 = std::min(x_of(0), x_of(d)), w = std::max(std::abs(x_of(d) - x_of(0)), 1.0);
        s += fmt::format("<text x='{:.1f}' y='{:.1f}' text-anchor='end'>{}</text><rect x='{:.1f}' y='{:.1f}' width='{:.1f}' "
                         "height='{:.0f}' fill='{}'><title>{}: {} → {}</title></rect><text x='{:.1f}' y='{:.1f}'>{}</text>",
                         left - 6, y + 14, svg::escape(bars[i]->key), x0, y + 3, w, row - 6, d >= 0 ? "#2a8a3e" : "#c0392b",
                         svg::escape(bars[i]->key), percent(bars[i]->a), percent(bars[i]->b), mid + half + 6, y + 14,
                         fmt::format("{:+.1f}", d));
    }
    s += fmt::format("<line x1='{0:.1f}' y1='{1:.0f}' x2='{0:.1f}' y2='{2:.0f}' stroke='#333'/>", mid, top - 4,
                     top + row * double(bars.size()));
    s += fmt::format("<text x='{:.1f}' y='{:.0f}' text-anchor='middle'>points of {} (left: A better, right: B better)</text>", mid,
                     height - 6, svg::escape(metric));
    return s + "</svg>";
}

// ---- Thumbnails ------------------------------------------------------------------------------



constexpr int kPanelWidth = 240;

// One run's panel: the frame (grey where it is missing), the prediction tinted (azure on the
// expression's video, magenta on the negative one) and the ground truth's outline in green.
cv::Mat panel(const cv::Mat& frame, const cv::Mat& gt, const cv::Mat& pred, bool negative) {
    const cv::Size source = !frame.empty() ? frame.size() : !pred.empty() ? pred.size() : !gt.empty() ? gt.size() : cv::Size(16, 9);
    const cv::Size size(kPanelWidth, std::max(1, int(std::lround(double(kPanelWidth) * source.height / source.width))));
    cv::Mat out;
    if (frame.empty()) out = cv::Mat(size, CV_8UC3, cv::Scalar(110, 110, 110));
    else cv::resize(frame, out, size, 0, 0, cv::INTER_AREA);
    auto fit = [&](const cv::Mat& m) {
        if (m.empty()) return cv::Mat(cv::Mat::zeros(size, CV_8U));
        cv::Mat r;
        cv::resize(m, r, size, 0, 0, cv::INTER_NEAREST);
        return r;
    };
    const cv::Mat p = fit(pred), g = fit(gt);
    const cv::Scalar tint = negative ? cv::Scalar(255, 0, 255) : cv::Scalar(255, 200, 0);  // BGR
    cv::Mat coloured(size, CV_8UC3, tint), blended;
    cv::addWeighted(out, 0.45, coloured, 0.55, 0, blended);
    blended.copyTo(out, p);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(p.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(out, contours, -1, tint, 1);
    contours.clear();
    cv::findContours(g.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(out, contours, -1, cv::Scalar(0, 0, 0), 3);
    cv::drawContours(out, contours, -1, cv::Scalar(0, 255, 0), 1);
    return out;
}

// A run's letter in the panel's corner, white on black, so that a picture read alone says which is which.
void label(cv::Mat& panel, const char* letter) {
    cv::rectangle(panel, cv::Rect(0, 0, 18, 18), cv::Scalar(0, 0, 0), cv::FILLED);
    cv::putText(panel, letter, {3, 14}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}

std::string side_by_side(cv::Mat a, cv::Mat b) {
    label(a, "A"), label(b, "B");
    cv::Mat both(std::max(a.rows, b.rows), a.cols + b.cols + 6, CV_8UC3, cv::Scalar(255, 255, 255));
    a.copyTo(both(cv::Rect(0, 0, a.cols, a.rows)));
    b.copyTo(both(cv::Rect(a.cols + 6, 0, b.cols, b.rows)));
    return fmt::format("<img src='data:image/png;base64,{}' width='{}' height='{}' alt='A left, B right'>", base64(png_bytes(both, 9)), both.cols,
                       both.rows);
}

// What the thumbnails need: both runs' per-frame tables and where the files are.
struct Pictures {
    const CompareResult& r;
    PerFrameTable ta, tb;
    std::map<std::string, int> index;  // "video/exp_id" → row of /expressions
    GroundTruthMasks ground_truth;
    // The layout's frames folder; older summaries name only the annotations, beside which
    // Ref-YouTube-VOS keeps JPEGImages.
    fs::path images() const {
        return !r.frames.empty() ? r.frames : r.annotations.empty() ? fs::path() : r.annotations.parent_path() / "JPEGImages";
    }
};

// The positive frame where J changed most (A and B list an expression's frames in the same order).
std::string frame_of_largest_change(const Pictures& p, int expression) {
    std::vector<const PerFrameTable::Positive*> fa, fb;
    for (const auto& x : p.ta.positive) if (x.expression == expression) fa.push_back(&x);
    for (const auto& x : p.tb.positive) if (x.expression == expression) fb.push_back(&x);
    std::string frame;
    double best = -1;
    for (size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
        const double change = std::isnan(fa[i]->j) ? double(std::abs(fb[i]->pixels - fa[i]->pixels)) : std::abs(fb[i]->j - fa[i]->j);
        if (change > best) best = change, frame = fa[i]->frame;
    }
    return frame;
}

// The negative frame with the most foreground in either run: the clearest view of the hallucination.
std::string frame_of_largest_alarm(const Pictures& p, int expression) {
    std::string frame;
    int64_t best = -1;
    for (const auto* t : {&p.ta, &p.tb})
        for (const auto& x : t->negative)
            if (x.expression == expression && x.pixels > best) best = x.pixels, frame = x.frame;
    return frame;
}

std::string figure(const Pictures& p, const std::string& video, const std::string& exp_id, const std::string& caption, bool negative) {
    const auto it = p.index.find(video + "/" + exp_id);
    if (it == p.index.end()) return "";
    const auto& x = p.ta.expressions[size_t(it->second)];
    const std::string frame = negative ? frame_of_largest_alarm(p, it->second) : frame_of_largest_change(p, it->second);
    if (frame.empty()) return "";
    const std::string shown = negative ? x.negative_video : x.video;
    const fs::path jpg = p.images() / shown / (frame + ".jpg");
    const cv::Mat image = p.images().empty() ? cv::Mat() : read_frame_bgr(jpg);
    const cv::Mat gt = negative ? cv::Mat() : p.ground_truth.read(x.video, exp_id, x.obj_id, frame);
    const fs::path rel = fs::path(negative ? "Negatives" : "Annotations") / shown / exp_id / (frame + ".png");
    return fmt::format("<figure>{}<figcaption>{} · {} frame {}<br>{}</figcaption></figure>",
                       side_by_side(panel(image, gt, read_mask(p.r.predictions_a / rel, {}), negative),
                                    panel(image, gt, read_mask(p.r.predictions_b / rel, {}), negative)),
                       svg::escape(video + "/" + exp_id), negative ? "negative video " + svg::escape(shown) : "video", svg::escape(frame),
                       caption);
}

std::string thumbnails(const CompareResult& r) {
    std::string why;
    for (const auto& [run, pred] : {std::pair{r.run_a, r.predictions_a}, std::pair{r.run_b, r.predictions_b}}) {
        if (pred.empty() || !fs::is_directory(pred)) why = fmt::format("the predictions {} names ({}) are not here", run.string(), pred.string());
        else if (!fs::is_regular_file(run / "per_frame.h5")) why = fmt::format("{} has no per_frame.h5", run.string());
    }
    if (!why.empty()) return fmt::format("<p class='note'>Thumbnails left out: {}.</p>", svg::escape(why));
    Pictures p{r, {}, {}, {}, GroundTruthMasks(r.ground_truth_format, r.annotations, r.ground_truth_expressions)};
    try {
        p.ta = read_per_frame_h5(r.run_a / "per_frame.h5"), p.tb = read_per_frame_h5(r.run_b / "per_frame.h5");
    } catch (const FileError& e) {  // the numbers above do not depend on it: say so, keep the page
        return fmt::format("<p class='note'>Thumbnails left out: {}.</p>", svg::escape(e.what()));
    }
    for (size_t i = 0; i < p.ta.expressions.size(); ++i) p.index[p.ta.expressions[i].video + "/" + p.ta.expressions[i].exp_id] = int(i);
    std::string h = "<p>A left, B right. Green outline: ground truth; azure tint: prediction on the expression's video; "
                    "magenta tint: prediction on its negative video (a false alarm).</p><div class='thumbs'>";
    const size_t n = size_t(std::max(r.options.thumbnails, 0));
    for (size_t i = 0; i < r.expressions_jf.size() && i < n; ++i) {
        const CompareValue& v = r.expressions_jf[i];
        if (!v.delta() || std::abs(*v.delta()) < 5e-4) break;
        const size_t slash = v.key.rfind('/');
        h += figure(p, v.key.substr(0, slash), v.key.substr(slash + 1),
                    fmt::format("J&amp;F {} → {} ({} points)", percent(v.a), percent(v.b), points(v.delta())), false);
    }
    for (size_t i = 0; i < r.flips.size() && i < n; ++i) {
        const CompareFlip& f = r.flips[i];
        h += figure(p, f.video, f.exp_id,
                    fmt::format("flip: {} px in A, {} px in B", f.negative_pixels_a, f.negative_pixels_b), true);
    }
    return h + "</div>";
}

// ---- The page --------------------------------------------------------------------------------

std::string summary_table(const CompareResult& r) {
    std::string h = "<table><tr><th>metric</th><th>A</th><th>B</th><th>B − A</th><th>95 % interval</th></tr>";
    for (const auto& v : r.summary)
        h += fmt::format("<tr><td class='l'>{}</td><td>{}</td><td>{}</td>{}<td>{}</td></tr>", svg::escape(v.metric), percent(v.a),
                         percent(v.b), delta_cell(v.delta()),
                         v.low ? fmt::format("[{}, {}]", points(v.low), points(v.high)) : std::string("n/a"));
    return h + fmt::format("</table><p>Scores in percent, differences in points. The interval is a paired bootstrap over the {} "
                           "({} resamples, seed {}): both runs are resampled with the same expressions. An interval that holds "
                           "0 means the data cannot tell the runs apart on that metric.</p>",
                           plural(r.expressions, "expression"), r.options.samples, r.options.seed);
}

std::string flips_table(const CompareResult& r) {
    if (!r.has_pairs) return "<p>Not computed: both evaluations were run without pairs.</p>";
    if (r.flips.empty()) return "<p>No expression flipped.</p>";
    // At ytvos-valid scale hundreds flip: the page shows the largest (most foreground on the
    // negative video) and the counts; compare.csv lists every one.
    constexpr size_t kShownFlips = 25;
    std::vector<CompareFlip> shown = r.flips;
    std::stable_sort(shown.begin(), shown.end(), [](const CompareFlip& x, const CompareFlip& y) {
        return std::max(x.negative_pixels_a, x.negative_pixels_b) > std::max(y.negative_pixels_a, y.negative_pixels_b);
    });
    const auto in_a = std::count_if(r.flips.begin(), r.flips.end(), [](const CompareFlip& f) { return f.hallucinated_in_a(); });
    std::string h = fmt::format("<p>{} hallucinated in A and empty in B, {} empty in A and hallucinated in B.{}</p>", in_a,
                                int64_t(r.flips.size()) - in_a,
                                shown.size() > kShownFlips
                                    ? fmt::format(" The {} with the most foreground on the negative video; compare.csv lists all.", kShownFlips)
                                    : "");
    if (shown.size() > kShownFlips) shown.resize(kShownFlips);
    h += "<table><tr><th>expression</th><th>negative video</th><th>px in A</th><th>px in B</th><th>change</th>"
         "<th>text</th></tr>";
    for (const auto& f : shown)
        h += fmt::format("<tr><td class='l'>{}</td><td class='l'>{}</td><td>{}</td><td>{}</td><td class='{}'>{}</td>"
                         "<td class='l'>{}</td></tr>",
                         svg::escape(f.video + "/" + f.exp_id), svg::escape(f.negative_video), f.negative_pixels_a, f.negative_pixels_b,
                         f.hallucinated_in_a() ? "up" : "down",
                         f.hallucinated_in_a() ? "hallucinated in A, empty in B" : "empty in A, hallucinated in B", svg::escape(f.text));
    return h + "</table>";
}

}  // namespace

std::string compare_html(const CompareResult& r) {
    std::string h = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench compare</title><style>"
                    "body{font-family:sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse;margin:8px 0}"
                    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td.l{text-align:left}td.up,td.down{white-space:nowrap}.up{color:#1e7b34}"
                    ".down{color:#b3261e}.note{color:#555}figure{display:inline-block;margin:6px;vertical-align:top}"
                    "figcaption{font-size:12px;max-width:486px}</style></head><body>";
    h += fmt::format("<h1>Comparison of two evaluations</h1><p>A: <code>{}</code><br>B: <code>{}</code></p>", svg::escape(r.run_a.string()),
                     svg::escape(r.run_b.string()));
    h += "<h2>Summary</h2>" + summary_table(r);
    for (const auto& note : r.notes) h += "<p class='note'>Note: " + svg::escape(note) + "</p>";
    h += fmt::format("<h2>Flips ({})</h2><p>Expressions with foreground predicted on their negative video in one run and "
                     "nothing in the other.</p>",
                     r.flips.size());
    h += flips_table(r);
    h += "<h2>Largest changes</h2>" + thumbnails(r);
    const bool gt = std::any_of(r.videos.begin(), r.videos.end(), [](const CompareValue& v) { return v.metric == "J&F"; });
    h += "<h2>Per video</h2>" + delta_chart(r.videos, gt ? "J&F" : "R", 25);
    h += "<table><tr><th>video</th><th>metric</th><th>A</th><th>B</th><th>B − A</th></tr>" + value_rows(r.videos, r.videos.size(), false) + "</table>";
    if (!r.categories.empty())
        h += "<h2>Per referred category</h2><table><tr><th>category</th><th>metric</th><th>A</th><th>B</th><th>B − A</th>"
             "<th>count</th></tr>" + value_rows(r.categories, r.categories.size(), true) + "</table>";
    if (!r.expressions_jf.empty())
        h += "<h2>Expressions, largest J&amp;F change first (top 20)</h2><table><tr><th>expression</th><th>metric</th><th>A</th>"
             "<th>B</th><th>B − A</th><th>text</th></tr>" + value_rows(r.expressions_jf, 20, true) + "</table>";
    return h + "</body></html>\n";
}

}  // namespace r2
