#include "reports/svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace r2::svg {

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;  // attributes here are single-quoted
            default: out += c;
        }
    }
    return out;
}

double text_width(const std::string& text, double font_px) {
    // DejaVu Sans (Debian's default sans-serif) averages under 0.64 em per character, digits
    // included; counting UTF-8 code points keeps "Σ" and "–" one character.
    size_t chars = 0;
    for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
    return 0.64 * font_px * double(chars);
}

std::vector<double> nice_ticks(double max, int target) {
    if (!(max > 0)) return {0, 1};
    const double raw = max / std::max(1, target);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * power;
    for (double m : {1.0, 2.0, 2.5, 5.0})
        if (m * power >= raw * (1 - 1e-9)) {
            step = m * power;
            break;
        }
    std::vector<double> ticks;
    const int n = int(std::ceil(max / step - 1e-9));
    for (int k = 0; k <= std::max(1, n); ++k) ticks.push_back(k * step);
    return ticks;
}

std::string tick_label(double v) {
    if (std::abs(v - std::round(v)) < 1e-9) return fmt::format("{:.0f}", v);
    for (int decimals = 1; decimals < 6; ++decimals) {
        const double scale = std::pow(10.0, decimals);
        if (std::abs(v * scale - std::round(v * scale)) < 1e-6) return fmt::format("{:.{}f}", v, decimals);
    }
    return fmt::format("{:g}", v);
}

namespace {

const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr double kTick = 11, kTitle = 13;  // font sizes in px

std::string open_svg(int w, int h) {
    return fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' viewBox='0 0 {} {}' class='chart' "
                       "font-family='DejaVu Sans,sans-serif'>",
                       w, h, w, h);
}

std::string text(double x, double y, const std::string& s, const char* anchor = "start", double size = kTick,
                 const std::string& extra = "") {
    return fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='{}' text-anchor='{}'{}>{}</text>", x, y, size, anchor,
                       extra.empty() ? "" : " " + extra, escape(s));
}

// A vertical value axis (ticks, labels and grid lines) from `ticks` spanning [top, bottom].
std::string y_axis(const std::vector<double>& ticks, double left, double right, double top, double bottom) {
    std::string s;
    const double max = ticks.back();
    for (double t : ticks) {
        const double y = bottom - (bottom - top) * t / max;
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='{}'/>", left, y, right, y,
                         t == 0 ? "#333" : "#e4e4e4");
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left - 4, y, left, y);
        s += text(left - 6, y + 4, tick_label(t), "end");
    }
    s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left, top, left, bottom);
    return s;
}

// A horizontal axis along `y` from `ticks` mapped onto [left, right]; labels that would overlap
// their neighbour are skipped (tick marks stay).
std::string x_axis(const std::vector<double>& ticks, double left, double right, double y, bool grid_top_set = false,
                   double grid_top = 0) {
    std::string s = fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left, y, right, y);
    const double lo = ticks.front(), hi = ticks.back();
    double last_end = -1e9;
    for (double t : ticks) {
        const double x = left + (right - left) * (t - lo) / (hi - lo);
        if (grid_top_set && t != lo)
            s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#e4e4e4'/>", x, grid_top, x, y);
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", x, y, x, y + 4);
        const std::string label = tick_label(t);
        const double half = text_width(label, kTick) / 2;
        if (x - half < last_end + 4) continue;
        s += text(x, y + 16, label, "middle", kTick, "class='tick'");
        last_end = x + half;
    }
    return s;
}

}  // namespace

std::string histogram(const std::vector<double>& fractions, int bins, const std::string& title, const std::string& x_label,
                      const std::string& y_label) {
    bins = std::max(1, bins);
    std::vector<int> counts(size_t(bins), 0);
    for (double v : fractions) {
        if (std::isnan(v)) continue;
        ++counts[size_t(std::clamp(int(v * bins), 0, bins - 1))];
    }
    const std::vector<double> y_ticks = nice_ticks(*std::max_element(counts.begin(), counts.end()), 4);
    const double left = 16 + 8 + text_width(tick_label(y_ticks.back()), kTick), right = 440, top = 34, bottom = 200;
    const int w = 456, h = 240;
    std::string s = open_svg(w, h);
    s += text(8, 18, title, "start", kTitle, "font-weight='bold'");
    // The y label stands rotated along the axis, clear of the tick labels.
    s += text(12, (top + bottom) / 2, y_label, "middle", kTick, fmt::format("transform='rotate(-90 12 {:.1f})'", (top + bottom) / 2));
    s += y_axis(y_ticks, left, right, top, bottom);
    const double bar = (right - left) / bins;
    for (int b = 0; b < bins; ++b) {
        const double bh = (bottom - top) * counts[size_t(b)] / y_ticks.back();
        s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='{}'><title>{}–{} %: {} {}</title></rect>",
                         left + b * bar + 1, bottom - bh, bar - 2, bh, kColours[0], tick_label(100.0 * b / bins),
                         tick_label(100.0 * (b + 1) / bins), counts[size_t(b)], escape(y_label));
        if (counts[size_t(b)] > 0) s += text(left + (b + 0.5) * bar, bottom - bh - 3, std::to_string(counts[size_t(b)]), "middle", 10);
    }
    std::vector<double> x_ticks;
    for (int k = 0; k <= 10; ++k) x_ticks.push_back(10.0 * k);
    s += x_axis(x_ticks, left, right, bottom);
    s += text((left + right) / 2, h - 6, x_label, "middle");
    return s + "</svg>";
}

std::string bar_chart(const std::vector<Bar>& bars, const std::string& title, const std::string& subtitle,
                      const std::string& x_label) {
    const double row = 18;
    double label_w = 40, text_w = 0, max_value = 0;
    for (const auto& b : bars) {
        label_w = std::max(label_w, text_width(b.label, kTick));
        text_w = std::max(text_w, text_width(b.text, 10));
        max_value = std::max(max_value, b.value);
    }
    const std::vector<double> ticks = nice_ticks(max_value, 5);
    const double left = 8 + label_w + 8, plot_w = 380, top = 48;
    const double right = left + plot_w, bottom = top + row * double(bars.size()) + 4;
    const int w = int(std::ceil(right + text_w + 24)), h = int(bottom + 40);
    std::string s = open_svg(std::max(w, int(text_width(title, kTitle) + 16)), h);
    s += text(8, 18, title, "start", kTitle, "font-weight='bold'");
    s += text(8, 36, subtitle, "start", kTick, "fill='#555'");
    s += x_axis(ticks, left, right, bottom, true, top - 4);
    for (size_t i = 0; i < bars.size(); ++i) {
        const Bar& b = bars[i];
        const double y = top + row * double(i);
        const double len = plot_w * b.value / ticks.back();
        s += text(left - 6, y + 12, b.label, "end");
        s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='12' fill='{}'><title>{}</title></rect>", left, y + 2,
                         std::max(len, 0.5), kColours[1], escape(b.tooltip));
        s += text(left + len + 4, y + 12, b.text, "start", 10, "fill='#333'");
    }
    s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left, top - 4, left, bottom);
    s += text((left + right) / 2, h - 6, x_label, "middle");
    return s + "</svg>";
}

std::string lines(const std::vector<std::vector<double>>& series, const std::vector<std::string>& names,
                  const std::string& title, const std::string& y_label, const std::string& x_label) {
    size_t n = 2;
    for (const auto& v : series) n = std::max(n, v.size());
    const std::vector<double> y_ticks = {0, 25, 50, 75, 100};
    const double left = 56, right = 520, top = 34, bottom = 214;
    const double legend_top = bottom + 56, legend_row = 16;
    const int w = 540, h = int(legend_top + legend_row * double(series.size()) + 6);
    std::string s = open_svg(w, h);
    s += text(8, 18, title, "start", kTitle, "font-weight='bold'");
    s += text(14, (top + bottom) / 2, y_label, "middle", kTick, fmt::format("transform='rotate(-90 14 {:.1f})'", (top + bottom) / 2));
    s += y_axis(y_ticks, left, right, top, bottom);
    // Frame indices: integer ticks only, at most about 8 of them.
    std::vector<double> x_ticks = nice_ticks(double(n - 1), 8);
    if (x_ticks.size() > 1 && x_ticks[1] < 1) x_ticks = nice_ticks(double(n - 1), int(n - 1));
    const double x_max = x_ticks.back();
    s += x_axis(x_ticks, left, right, bottom);
    s += text((left + right) / 2, bottom + 34, x_label, "middle");
    for (size_t i = 0; i < series.size(); ++i) {
        const char* colour = kColours[i % 8];
        std::string points, marks;
        for (size_t t = 0; t < series[i].size(); ++t) {
            const double x = left + (right - left) * double(t) / x_max;
            const double y = bottom - (bottom - top) * std::clamp(series[i][t], 0.0, 1.0);
            points += fmt::format("{:.1f},{:.1f} ", x, y);
            marks += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='2.5' fill='{}'><title>{} frame {}: {:.1f} %</title></circle>", x, y,
                                 colour, escape(names[i]), t, 100 * series[i][t]);
        }
        s += fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' stroke-opacity='0.85' points='{}'/>", colour, points);
        s += marks;
        const double ly = legend_top + legend_row * double(i);
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='{}' stroke-width='3'/>", left, ly - 4,
                         left + 18, ly - 4, colour);
        s += text(left + 24, ly, names[i]);
    }
    return s + "</svg>";
}

}  // namespace r2::svg
