#include "reports/html_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "metrics/robustness.h"
#include "metrics/statistics.h"
#include "reports/svg.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string base64(const std::vector<uint8_t>& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint32_t(bytes[i]) << 16) | (uint32_t(bytes[i + 1]) << 8) | bytes[i + 2];
        for (int k = 18; k >= 0; k -= 6) out += table[(v >> k) & 63];
    }
    if (i + 1 == bytes.size()) {
        const uint32_t v = uint32_t(bytes[i]) << 16;
        out += table[(v >> 18) & 63], out += table[(v >> 12) & 63], out += "==";
    } else if (i + 2 == bytes.size()) {
        const uint32_t v = (uint32_t(bytes[i]) << 16) | (uint32_t(bytes[i + 1]) << 8);
        out += table[(v >> 18) & 63], out += table[(v >> 12) & 63], out += table[(v >> 6) & 63], out += '=';
    }
    return out;
}

cv::Mat read_mask(const fs::path& png, int object) {
    if (!fs::exists(png)) return {};
    try {
        LabelMap m = read_label_png(png);
        cv::Mat ids(m.height, m.width, CV_8U, m.labels.data());
        return object > 0 ? cv::Mat(ids == object) : cv::Mat(ids != 0);
    } catch (const FileError&) {
        return {};
    }
}

// A frame with the ground truth (green) and the prediction (red) laid over it, as an <img>.
std::string thumbnail(const fs::path& jpg, const cv::Mat& gt, const cv::Mat& pred, const std::string& caption) {
    cv::Mat image = fs::exists(jpg) ? cv::imread(jpg.string(), cv::IMREAD_COLOR) : cv::Mat();
    const cv::Size size = !image.empty() ? image.size() : !pred.empty() ? pred.size() : !gt.empty() ? gt.size() : cv::Size(160, 90);
    if (image.empty()) image = cv::Mat(size, CV_8UC3, cv::Scalar(96, 96, 96));
    cv::Mat overlay = image.clone();
    if (!gt.empty() && gt.size() == size) overlay.setTo(cv::Scalar(60, 200, 60), gt);
    if (!pred.empty() && pred.size() == size) overlay.setTo(cv::Scalar(40, 40, 230), pred);
    cv::addWeighted(image, 0.45, overlay, 0.55, 0, image);
    if (!gt.empty() && gt.size() == size) {
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(gt.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
        cv::drawContours(image, contours, -1, cv::Scalar(60, 255, 60), 2);
    }
    cv::Mat small;
    cv::resize(image, small, cv::Size(160, std::max(1, 160 * size.height / std::max(1, size.width))), 0, 0, cv::INTER_AREA);
    std::vector<uint8_t> bytes;
    cv::imencode(".jpg", small, bytes, {cv::IMWRITE_JPEG_QUALITY, 80});
    return fmt::format("<figure><img src='data:image/jpeg;base64,{}' alt='{}'><figcaption>{}</figcaption></figure>", base64(bytes),
                       svg::escape(caption), svg::escape(caption));
}

std::string pct(double v) { return std::isnan(v) ? "n/a" : fmt::format("{:.1f}", 100 * v); }
std::string pct(const json& v) { return v.is_number() ? pct(v.get<double>()) : "n/a"; }

struct ExpressionRow {
    int index;
    std::vector<double> j, f;
    std::vector<std::string> frames, negative_frames;
    int64_t positive = 0, negative = 0;
    double jm = NAN, fm = NAN, jf = NAN;
    std::optional<double> r;
};

}  // namespace

std::string render_html_report(const json& summary, const PerFrameTable& table) {
    const bool gt = table.has_gt, pairs = table.has_pairs;
    std::vector<ExpressionRow> rows(table.expressions.size());
    for (size_t e = 0; e < rows.size(); ++e) rows[e].index = int(e);
    for (const auto& p : table.positive) {
        auto& r = rows[size_t(p.expression)];
        r.j.push_back(p.j), r.f.push_back(p.f), r.frames.push_back(p.frame), r.positive += p.pixels;
    }
    for (const auto& n : table.negative) {
        auto& r = rows[size_t(n.expression)];
        r.negative_frames.push_back(n.frame), r.negative += n.pixels;
    }
    for (auto& r : rows) {
        if (gt) r.jm = series_stats(r.j).mean, r.fm = series_stats(r.f).mean, r.jf = (r.jm + r.fm) / 2;
        if (pairs) r.r = robustness(r.positive, r.negative);
    }
    // Per video, in order of first appearance.
    struct VideoRow {
        std::string name;
        int expressions = 0;
        double j = 0, f = 0;
        int64_t positive = 0, negative = 0;
        std::vector<int> members;
    };
    std::vector<VideoRow> videos;
    std::map<std::string, size_t> video_index;
    for (const auto& r : rows) {
        const std::string& name = table.expressions[size_t(r.index)].video;
        auto [it, inserted] = video_index.emplace(name, videos.size());
        if (inserted) {
            videos.emplace_back();
            videos.back().name = name;
        }
        VideoRow& v = videos[it->second];
        ++v.expressions, v.j += r.jm, v.f += r.fm, v.positive += r.positive, v.negative += r.negative;
        v.members.push_back(r.index);
    }
    for (auto& v : videos) v.j /= v.expressions, v.f /= v.expressions;

    const json& inputs = summary.value("inputs", json::object());
    const fs::path annotations = inputs.value("ground_truth_annotations", "");
    const fs::path predictions = inputs.value("predictions", "");
    const fs::path images = annotations.empty() ? fs::path() : annotations.parent_path() / "JPEGImages";

    std::string h;
    h += "<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench report</title><style>"
         "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
         "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
         "th{background:#f0f0f0;cursor:pointer}td.l,th.l{text-align:left}"
         ".summary td{font-size:1.2em}.chart{margin:8px;border:1px solid #eee}.chart .title{font-weight:bold;font-size:13px}"
         ".chart .tick{font-size:10px}figure{display:inline-block;margin:4px;text-align:center}"
         "figcaption{font-size:11px;max-width:160px}.strip{margin:6px 0;border-top:1px solid #ddd;padding-top:6px}"
         ".note{color:#a60}</style></head><body>";
    h += "<h1>r2bench evaluation report</h1>";
    h += fmt::format("<p>Predictions: <code>{}</code><br>Ground truth: <code>{}</code><br>Pairs: <code>{}</code></p>",
                     svg::escape(inputs.value("predictions", "")), svg::escape(inputs.value("ground_truth", "")),
                     svg::escape(inputs.value("pairs", "")));
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
    h += fmt::format("</tr></table><p>{} videos, {} expressions, {} positive frames, {} negative frames; "
                     "scores in percent.</p>",
                     counts.value("videos", 0), counts.value("expressions", 0), counts.value("positive_frames", 0),
                     counts.value("negative_frames", 0));

    // Plots.
    h += "<h2>Plots</h2>";
    if (gt) {
        std::vector<double> jf;
        for (const auto& r : rows) jf.push_back(r.jf);
        h += svg::histogram(jf, 0, 1, 10, "Per-expression J&F", "J&F");
    }
    if (pairs) {
        std::vector<size_t> order(videos.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return videos[a].negative > videos[b].negative; });
        std::vector<std::string> labels;
        std::vector<double> pos, neg;
        for (size_t k = 0; k < order.size() && k < 25; ++k)
            labels.push_back(videos[order[k]].name), pos.push_back(double(videos[order[k]].positive)),
                neg.push_back(double(videos[order[k]].negative));
        h += svg::paired_bars(labels, pos, neg, "Σ pos pixels", "Σ neg pixels",
                              "R contribution per video (most negative pixels first)");
    }
    std::vector<size_t> by_jf(rows.size());
    for (size_t i = 0; i < by_jf.size(); ++i) by_jf[i] = i;
    if (gt) {
        std::stable_sort(by_jf.begin(), by_jf.end(), [&](size_t a, size_t b) { return rows[a].jf < rows[b].jf; });
        std::vector<std::vector<double>> series;
        std::vector<std::string> names;
        for (size_t k = 0; k < by_jf.size() && k < 5; ++k) {
            const auto& e = table.expressions[by_jf[k]];
            series.push_back(rows[by_jf[k]].j), names.push_back(e.video + "/" + e.exp_id);
        }
        h += svg::lines(series, names, "J per frame, worst expressions", "J");

        // Thumbnails of the worst and best expressions.
        h += "<h2>Worst and best expressions</h2><p>Green: ground truth (outlined); red: prediction; last image: the "
             "prediction on the paired negative video.</p>";
        std::vector<std::pair<std::string, size_t>> picks;
        for (size_t k = 0; k < by_jf.size() && k < 3; ++k) picks.push_back({"worst", by_jf[k]});
        for (size_t k = 0; k < by_jf.size() && k < 3; ++k)
            if (by_jf.size() > 3) picks.push_back({"best", by_jf[by_jf.size() - 1 - k]});
        for (const auto& [label, e] : picks) {
            const auto& x = table.expressions[e];
            const auto& r = rows[e];
            h += fmt::format("<div class='strip'><b>{} — {}/{}</b> “{}” J&amp;F {}<br>", label, svg::escape(x.video),
                             svg::escape(x.exp_id), svg::escape(x.text), pct(r.jf));
            const int object = x.obj_id.empty() || x.obj_id.find(',') != std::string::npos ? 0 : std::stoi(x.obj_id);
            for (size_t t : {size_t(0), r.frames.size() / 2, r.frames.size() - 1}) {
                if (t >= r.frames.size()) continue;
                const std::string& frame = r.frames[t];
                h += thumbnail(images / x.video / (frame + ".jpg"), read_mask(annotations / x.video / (frame + ".png"), object),
                               read_mask(predictions / "Annotations" / x.video / x.exp_id / (frame + ".png"), 0),
                               fmt::format("{} J={}", frame, pct(r.j[t])));
            }
            if (!r.negative_frames.empty()) {
                const std::string& frame = r.negative_frames[r.negative_frames.size() / 2];
                h += thumbnail(images / x.negative_video / (frame + ".jpg"), cv::Mat(),
                               read_mask(predictions / "Negatives" / x.negative_video / x.exp_id / (frame + ".png"), 0),
                               fmt::format("negative {} {}", x.negative_video, frame));
            }
            h += "</div>";
        }
    }

    // Sortable tables.
    h += "<h2>Videos</h2><table class='sortable'><tr><th class='l'>video</th><th>expressions</th><th>J</th><th>F</th>"
         "<th>J&amp;F</th><th>Σ pos pixels</th><th>Σ neg pixels</th><th>R</th></tr>";
    for (const auto& v : videos) {
        const auto r = pairs ? robustness(v.positive, v.negative) : std::nullopt;
        h += fmt::format("<tr><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         svg::escape(v.name), v.expressions, gt ? pct(v.j) : "n/a", gt ? pct(v.f) : "n/a",
                         gt ? pct((v.j + v.f) / 2) : "n/a", v.positive, pairs ? std::to_string(v.negative) : "n/a",
                         r ? pct(*r) : "n/a");
    }
    h += "</table><h2>Expressions</h2><table class='sortable'><tr><th class='l'>video</th><th>exp</th><th class='l'>expression</th>"
         "<th>J</th><th>F</th><th>J&amp;F</th><th>Σ pos pixels</th><th>Σ neg pixels</th><th>R</th></tr>";
    for (const auto& r : rows) {
        const auto& x = table.expressions[size_t(r.index)];
        h += fmt::format("<tr><td class='l'>{}</td><td>{}</td><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                         svg::escape(x.video), svg::escape(x.exp_id), svg::escape(x.text), pct(r.jm), pct(r.fm), pct(r.jf),
                         r.positive, pairs ? std::to_string(r.negative) : "n/a", r.r ? pct(*r.r) : "n/a");
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
    json summary;
    try {
        summary = json::parse(read_file(summary_path));
    } catch (const json::parse_error& e) {
        throw FileError(summary_path, fmt::format("invalid JSON: {}", e.what()));
    }
    const PerFrameTable table = read_per_frame_h5(eval_dir / "per_frame.h5");
    const fs::path out = eval_dir / "report.html";
    write_file_atomically(out, render_html_report(summary, table));
    return out;
}

}  // namespace r2
