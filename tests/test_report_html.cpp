// report.html as a reader sees it: thumbnails large enough to read, ground truth and prediction
// both visible, false alarms marked, plots with percent axes, and readable per-expression numbers.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/mask_png.h"
#include "core/error.h"
#include "reports/html_report.h"
#include "reports/mask_view.h"
#include "reports/svg.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<uint8_t> base64_decode(const std::string& text) {
    static const std::string table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<uint8_t> out;
    uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        const size_t v = table.find(c);
        if (v == std::string::npos) break;  // '=' padding
        buffer = (buffer << 6) | uint32_t(v), bits += 6;
        if (bits >= 8) bits -= 8, out.push_back(uint8_t((buffer >> bits) & 0xFF));
    }
    return out;
}

struct Image {
    std::string alt;
    bool alarm = false;
    int declared_width = 0;
    cv::Mat pixels;  // decoded BGR
};

cv::Mat decode_data_uri(const std::string& src, const std::string& type, int flags) {
    const std::string prefix = "data:image/" + type + ";base64,";
    REQUIRE(src.rfind(prefix, 0) == 0);
    return cv::imdecode(base64_decode(src.substr(prefix.size())), flags);
}

// Every thumbnail of the page: its frame (a JPEG) with its marks (a transparent PNG) laid over
// it as the browser stacks them. Parsed by hand: std::regex recurses per character and
// overflows the stack on long base64 strings.
std::vector<Image> images(const std::string& html) {
    std::vector<Image> out;
    auto between = [&](size_t from, const std::string& open, const std::string& close) {
        const size_t a = html.find(open, from) + open.size();
        return html.substr(a, html.find(close, a) - a);
    };
    const std::string alarm_figure = "<figure class='alarm'><div class='thumb'";
    for (size_t at = html.find("<div class='thumb'"); at != std::string::npos; at = html.find("<div class='thumb'", at + 1)) {
        Image i;
        i.alarm = html.compare(at - alarm_figure.size() + std::string("<div class='thumb'").size(), alarm_figure.size(), alarm_figure) == 0;
        const size_t frame = html.find("<img ", at), marks = html.find("<img class='marks' ", frame + 1);
        REQUIRE(marks < html.find("</div>", at));
        i.pixels = decode_data_uri(between(frame, "src='", "'"), "jpeg", cv::IMREAD_COLOR);
        i.declared_width = std::stoi(between(frame, "width='", "'"));
        i.alt = between(frame, "alt='", "'");
        const cv::Mat overlay = decode_data_uri(between(marks, "src='", "'"), "png", cv::IMREAD_UNCHANGED);
        REQUIRE(overlay.type() == CV_8UC4);
        REQUIRE(overlay.size() == i.pixels.size());
        int translucent = 0;  // marks are opaque or absent, never blended with the frame
        for (int y = 0; y < overlay.rows; ++y)
            for (int x = 0; x < overlay.cols; ++x) {
                const cv::Vec4b m = overlay.at<cv::Vec4b>(y, x);
                if (m[3] == 255) i.pixels.at<cv::Vec3b>(y, x) = cv::Vec3b(m[0], m[1], m[2]);
                translucent += m[3] != 0 && m[3] != 255;
            }
        CHECK(translucent == 0);
        out.push_back(i);
    }
    return out;
}

// Pixels within `tolerance` of a BGR colour (JPEG shifts colours a little).
int count_colour(const cv::Mat& bgr, cv::Vec3b colour, int tolerance = 60) {
    int n = 0;
    for (int y = 0; y < bgr.rows; ++y)
        for (int x = 0; x < bgr.cols; ++x) {
            const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
            n += std::abs(p[0] - colour[0]) + std::abs(p[1] - colour[1]) + std::abs(p[2] - colour[2]) <= tolerance;
        }
    return n;
}

const cv::Vec3b kGreen(0, 255, 0), kAzure(255, 200, 0), kMagenta(255, 0, 255);
const cv::Vec3b kOrange(0, 120, 240);  // the frames: red-orange, the hardest background for red marks

// The numbers eval would have written for a per-frame table (per_expression.csv, per_video.csv and
// summary.json's pixel totals): what report.html reads rather than re-aggregating.
EvalResult scores_of(const PerFrameTable& table, json& summary) {
    EvalResult r;
    r.summary.has_gt = table.has_gt, r.summary.has_pairs = table.has_pairs;
    for (const auto& x : table.expressions) {
        ExpressionResult e;
        e.expression.video = x.video, e.expression.exp_id = x.exp_id, e.expression.text = x.text;
        r.expressions.push_back(e);
    }
    for (const auto& p : table.positive) {
        auto& e = r.expressions[size_t(p.expression)];
        e.j.push_back(p.j), e.f.push_back(p.f), e.positive_pixels += p.pixels;
    }
    for (const auto& n : table.negative) r.expressions[size_t(n.expression)].negative_pixels += n.pixels;
    int64_t positive = 0, negative = 0;
    for (auto& e : r.expressions) {
        e.j_stats.mean = e.j.empty() ? 0 : std::accumulate(e.j.begin(), e.j.end(), 0.0) / double(e.j.size());
        e.f_stats.mean = e.f.empty() ? 0 : std::accumulate(e.f.begin(), e.f.end(), 0.0) / double(e.f.size());
        positive += e.positive_pixels, negative += e.negative_pixels;
        if (r.videos.empty() || r.videos.back().video != e.expression.video) r.videos.emplace_back().video = e.expression.video;
        VideoResult& v = r.videos.back();
        const double n = ++v.expressions;
        v.j += (e.j_stats.mean - v.j) / n, v.f += (e.f_stats.mean - v.f) / n, v.jf = (v.j + v.f) / 2;
        v.positive_pixels += e.positive_pixels, v.negative_pixels += e.negative_pixels;
        v.r = 1.0 - double(v.negative_pixels) / double(std::max<int64_t>(v.positive_pixels, 1));
    }
    summary["pixels"] = json{{"positive", positive}, {"negative", negative}};
    return r;
}

// A hand-made eval folder: video "vid" (one expression, 2 frames of 100x80) whose ground truth is
// a square and a one-pixel-thin line, predicted shifted to the right; negative video "neg" with a
// disc predicted on its frames (a hallucination). Extra expressions can be appended by the tests.
struct Handmade {
    TempDir dir;
    json summary;
    PerFrameTable table;
    Handmade() {
        const fs::path gt = dir / "gt", pred = dir / "pred";
        cv::Mat frame(80, 100, CV_8UC3, cv::Scalar(kOrange[0], kOrange[1], kOrange[2]));
        for (const std::string video : {"vid", "neg"}) {
            fs::create_directories(gt / "JPEGImages" / video);
            for (const char* f : {"00000", "00005"}) cv::imwrite((gt / "JPEGImages" / video / (std::string(f) + ".jpg")).string(), frame);
        }
        LabelMap truth(100, 80), shifted(100, 80), disc(100, 80);
        for (int y = 20; y < 50; ++y)
            for (int x = 20; x < 50; ++x) truth.labels[size_t(y * 100 + x)] = 1, shifted.labels[size_t(y * 100 + x + 15)] = 255;
        for (int x = 10; x < 90; ++x) truth.labels[size_t(70 * 100 + x)] = 1;  // a thin object part
        for (int y = 0; y < 80; ++y)
            for (int x = 0; x < 100; ++x) disc.labels[size_t(y * 100 + x)] = (x - 50) * (x - 50) + (y - 40) * (y - 40) < 400 ? 255 : 0;
        for (const char* f : {"00000", "00005"}) {
            fs::create_directories(gt / "Annotations/vid"), fs::create_directories(pred / "Annotations/vid/0"),
                fs::create_directories(pred / "Negatives/neg/0");
            write_palette_png(gt / "Annotations/vid" / (std::string(f) + ".png"), truth);
            write_palette_png(pred / "Annotations/vid/0" / (std::string(f) + ".png"), shifted);
            write_palette_png(pred / "Negatives/neg/0" / (std::string(f) + ".png"), disc);
        }
        summary = json{{"metrics", {{"J&F", 0.5}, {"J", 0.4}, {"F", 0.6}, {"R", 0.5}, {"J&F&R", 0.5}}},
                       {"inputs", {{"predictions", pred.string()}, {"ground_truth_annotations", (gt / "Annotations").string()}}},
                       {"counts", {{"videos", 1}, {"expressions", 1}}}};
        table.has_gt = table.has_pairs = true;
        table.expressions.push_back({"vid", "0", "1", "neg", "the orange square"});
        for (const char* f : {"00000", "00005"}) {
            table.positive.push_back({0, f, 0.4, 0.6, 900});
            table.negative.push_back({0, f, int64_t(cv::countNonZero(cv::Mat(80, 100, CV_8U, disc.labels.data())))});
        }
    }
    std::string html() const {
        json with_totals = summary;
        const EvalResult scores = scores_of(table, with_totals);
        return render_html_report(with_totals, scores, table);
    }
};

// The <svg>…</svg> whose text contains `marker`.
std::string svg_with(const std::string& html, const std::string& marker) {
    const size_t at = html.find(marker);
    REQUIRE(at != std::string::npos);
    const size_t begin = html.rfind("<svg", at), end = html.find("</svg>", at);
    REQUIRE(begin != std::string::npos);
    return html.substr(begin, end - begin);
}

struct Label {
    double x;
    std::string text;
};

// The x-axis tick labels of an SVG chart, in order.
std::vector<Label> tick_labels(const std::string& svg) {
    static const std::regex tick("<text x='([0-9.]+)' y='[0-9.]+' font-size='11' text-anchor='middle' class='tick'>([^<]*)</text>");
    std::vector<Label> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tick); it != std::sregex_iterator(); ++it)
        out.push_back({std::stod((*it)[1]), (*it)[2]});
    return out;
}

void check_no_overlap(const std::vector<Label>& labels) {
    for (size_t i = 1; i < labels.size(); ++i) {
        const double gap = (labels[i].x - svg::text_width(labels[i].text, 11) / 2) -
                           (labels[i - 1].x + svg::text_width(labels[i - 1].text, 11) / 2);
        CHECK_MESSAGE(gap > 0, labels[i - 1].text, " overlaps ", labels[i].text);
    }
}

}  // namespace

TEST_CASE("report.html thumbnails: 320 px wide, ground truth and prediction both visible, false alarms marked") {
    Handmade h;
    const std::string html = h.html();
    const std::vector<Image> all = images(html);
    int positive = 0, negative = 0, legend = 0;
    for (const Image& i : all) {
        REQUIRE_FALSE(i.pixels.empty());
        CHECK(i.pixels.cols == i.declared_width);
        if (i.alt.rfind("legend:", 0) == 0) {
            ++legend;
            continue;
        }
        CHECK(i.pixels.cols >= 320);  // the 100 px frames are enlarged, not shown at their size
        if (i.alt.rfind("vid frame", 0) == 0) {
            ++positive;
            CHECK_FALSE(i.alarm);
            // The ground truth outline and the prediction's hatching are both there, on orange.
            CHECK(count_colour(i.pixels, kGreen) > 400);
            CHECK(count_colour(i.pixels, kAzure) > 400);
            CHECK(count_colour(i.pixels, kMagenta) == 0);
            // The outline lies outside the object: the middle of the thin ground-truth line and the
            // part of the square the prediction misses keep the frame's colour.
            const double s = i.pixels.cols / 100.0;
            for (cv::Point p : {cv::Point(int(50 * s), int(70.5 * s)), cv::Point(int(27 * s), int(35 * s))}) {
                const cv::Vec3b c = i.pixels.at<cv::Vec3b>(p);
                CHECK_MESSAGE(std::abs(c[0] - kOrange[0]) + std::abs(c[1] - kOrange[1]) + std::abs(c[2] - kOrange[2]) < 60,
                              "pixel ", p.x, ",", p.y, " is ", int(c[0]), ",", int(c[1]), ",", int(c[2]));
            }
        } else if (i.alt.rfind("prediction on negative video neg", 0) == 0) {
            ++negative;
            CHECK(i.alarm);  // framed in magenta by the page's style
            CHECK(count_colour(i.pixels, kMagenta) > 400);
            CHECK(count_colour(i.pixels, cv::Vec3b(255, 255, 255)) > 100);
            CHECK(count_colour(i.pixels, kGreen) == 0);
        }
    }
    CHECK(positive >= 2);
    CHECK(negative >= 2);  // in the worst/best strip and among the largest false alarms
    CHECK(legend == 3);
    CHECK(html.find("class='legend'") != std::string::npos);
    CHECK(html.find("<b>ground truth</b>") != std::string::npos);
    CHECK(html.find("<b>prediction on the negative video</b>") != std::string::npos);
    CHECK(html.find("false alarm: 1") != std::string::npos);  // the caption counts the pixels
    CHECK(html == h.html());  // deterministic
}

TEST_CASE("report.html: a per-expression R with a tiny denominator is shown as a bounded false-alarm share") {
    Handmade h;
    h.table.positive.clear(), h.table.negative.clear();
    // Expression 0 predicts 1 pixel on its video and 20 on its negative video: R = 1 − 20 = −1900 %.
    // Expression 1 of the same video predicts 10000 pixels and nothing on the negative video.
    h.table.expressions.push_back({"vid", "1", "1", "neg", "a big thing"});
    h.table.positive.push_back({0, "00000", 0.1, 0.1, 1});
    h.table.negative.push_back({0, "00000", 20});
    h.table.positive.push_back({1, "00000", 0.9, 0.9, 10000});
    h.table.negative.push_back({1, "00000", 0});
    const std::string html = h.html();
    CHECK(html.find("-1900.0") == std::string::npos);
    CHECK(html.find("−1900.0") == std::string::npos);
    // 20 / (20 + 1) = 95.2 %, and 0 % for the other expression.
    const size_t expressions = html.find("<h2>Expressions</h2>");
    REQUIRE(expressions != std::string::npos);
    CHECK(html.find("<td>1</td><td>20</td><td>95.2</td></tr>", expressions) != std::string::npos);
    CHECK(html.find("<td>10000</td><td>0</td><td>0.0</td></tr>", expressions) != std::string::npos);
    // The video keeps its R, defined over both expressions: 1 − 20 / 10001 = 99.8 %.
    CHECK(html.find("<td>99.8</td></tr>") < expressions);
    CHECK(html.find("False-alarm share</b> = Σneg / (Σneg + Σpos)") != std::string::npos);  // explained on the page
}

TEST_CASE("report.html plots: percent ticks, a numeric R scale that says where it truncates, labelled axes") {
    Handmade h;
    h.table.positive.clear(), h.table.negative.clear(), h.table.expressions.clear();
    for (int v = 0; v < 30; ++v) {
        h.table.expressions.push_back({fmt::format("video{:02d}", v), "0", "1", "neg", "a thing"});
        for (int t = 0; t < 40; ++t) {
            h.table.positive.push_back({v, fmt::format("{:05d}", t), 0.5 + 0.01 * v, 0.5, 1000});
            h.table.negative.push_back({v, fmt::format("{:05d}", t), 10 * (v + 1)});
        }
    }
    const std::string html = h.html();

    const std::string histogram = svg_with(html, "Per-expression J&amp;F");
    std::vector<std::string> ticks;
    for (const auto& l : tick_labels(histogram)) ticks.push_back(l.text);
    CHECK(ticks == std::vector<std::string>{"0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"});
    CHECK(histogram.find("J&amp;F of the expression (%)") != std::string::npos);
    CHECK(histogram.find(">expressions</text>") != std::string::npos);  // the count axis is named
    check_no_overlap(tick_labels(histogram));

    const std::string r_chart = svg_with(html, "R lost per video");
    CHECK(r_chart.find("top 25 of 30 videos") != std::string::npos);
    size_t bars = 0;
    for (size_t at = r_chart.find("<rect"); at != std::string::npos; at = r_chart.find("<rect", at + 1)) ++bars;
    CHECK(bars == 25);
    CHECK(r_chart.find(">video29<") != std::string::npos);  // the largest first
    CHECK(r_chart.find(">video04<") == std::string::npos);  // the smallest left out
    CHECK(tick_labels(r_chart).size() >= 3);                 // a numeric scale
    CHECK(r_chart.find("points of R lost") != std::string::npos);
    check_no_overlap(tick_labels(r_chart));

    const std::string lines = svg_with(html, "J per frame");
    CHECK(lines.find("frame index") != std::string::npos);
    CHECK(lines.find(">J (%)</text>") != std::string::npos);
    CHECK(lines.find(">100</text>") != std::string::npos);
    check_no_overlap(tick_labels(lines));
}

TEST_CASE("svg: nice ticks and non-overlapping frame labels on long videos") {
    CHECK(svg::nice_ticks(479, 4) == std::vector<double>{0, 200, 400, 600});
    const std::vector<double> small = svg::nice_ticks(0.33, 4);
    REQUIRE(small.size() == 5);
    CHECK(small[4] == doctest::Approx(0.4));
    CHECK(svg::tick_label(small[3]) == "0.3");
    CHECK(svg::tick_label(2.5) == "2.5");
    CHECK(svg::tick_label(200) == "200");
    for (size_t n : {2, 7, 36, 300, 1000}) {
        const std::string s = svg::lines({std::vector<double>(n, 0.5)}, {"x"}, "J", "J (%)", "frame index");
        const auto labels = tick_labels(s);
        CHECK(labels.size() >= 2);
        CHECK(labels.front().text == "0");
        check_no_overlap(labels);
    }
}

TEST_CASE("report.html shows the numbers the evaluator computed, not its own aggregates") {
    Handmade h;
    json summary = h.summary;
    EvalResult scores = scores_of(h.table, summary);
    // Numbers no aggregation of the per-frame rows gives: the page must show these.
    scores.expressions[0].j_stats.mean = 0.25, scores.expressions[0].f_stats.mean = 0.35;
    scores.expressions[0].positive_pixels = 1234, scores.expressions[0].negative_pixels = 56;
    scores.videos[0].j = 0.125, scores.videos[0].f = 0.375, scores.videos[0].jf = 0.25;
    scores.videos[0].r = std::nullopt;  // withheld by eval (a negative frame missing)
    const std::string html = render_html_report(summary, scores, h.table);
    const size_t videos = html.find("<h2>Videos</h2>"), expressions = html.find("<h2>Expressions</h2>");
    REQUIRE(videos < expressions);
    // Video: J 12.5, F 37.5, J&F 25.0, Σpos/Σneg as eval summed them, and R not reported.
    CHECK(html.find(fmt::format("<td class='l'>vid</td><td>1</td><td>12.5</td><td>37.5</td><td>25.0</td><td>{}</td><td>{}</td>",
                                scores.videos[0].positive_pixels, scores.videos[0].negative_pixels),
                    videos) < expressions);
    CHECK(html.find("<td>n/a</td></tr>", videos) < expressions);
    // Expression: J 25.0, F 35.0, J&F 30.0, 1234 and 56 pixels, false-alarm share 56 / 1290 = 4.3 %.
    CHECK(html.find("<td>25.0</td><td>35.0</td><td>30.0</td><td class='l'>neg</td><td>1234</td><td>56</td><td>4.3</td></tr>",
                    expressions) != std::string::npos);
    // A table that does not belong to the scores is refused rather than mismatched.
    scores.expressions[0].expression.exp_id = "9";
    CHECK_THROWS_WITH_AS(render_html_report(summary, scores, h.table),
                         "per_expression.csv and per_frame.h5 list different expressions (vid/9 and vid/0)", Error);
}

TEST_CASE("mask view helpers: base64 of RFC 4648's vectors, object ids, masks of missing files") {
    auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
    CHECK(base64(bytes("")) == "");
    CHECK(base64(bytes("f")) == "Zg==");
    CHECK(base64(bytes("fo")) == "Zm8=");
    CHECK(base64(bytes("foo")) == "Zm9v");
    CHECK(base64(bytes("foobar")) == "Zm9vYmFy");
    CHECK(base64({0xff, 0xfe}) == "//4=");
    CHECK(object_ids("1") == std::vector<int>{1});
    CHECK(object_ids("1, 2") == std::vector<int>{1, 2});
    CHECK(object_ids("1, ,x,0,256,255") == std::vector<int>{1, 255});
    CHECK(read_mask("/nonexistent/00000.png", {}).empty());
}
