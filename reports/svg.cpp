#include "reports/svg.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

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

const char* series_colour(size_t series) { return kColours[series % 8]; }

const char* dash_pattern(size_t series) {
    static const char* patterns[] = {"", "7 3", "2 2", "9 3 2 3", "4 4", "1 3", "12 4", "6 2 2 2 2 2"};
    return patterns[series % 8];
}

std::string marker(size_t series, double x, double y, const std::string& tooltip) {
    const std::string title = "<title>" + escape(tooltip) + "</title>";
    const char* c = series_colour(series);
    switch (series % 5) {
        case 0: return fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3.2' fill='{}'>{}</circle>", x, y, c, title);
        case 1:
            return fmt::format("<rect x='{:.1f}' y='{:.1f}' width='6' height='6' fill='{}'>{}</rect>", x - 3, y - 3, c, title);
        case 2:
            return fmt::format("<path d='M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z' fill='{}'>{}</path>", x, y - 4, x + 4, y + 3,
                               x - 4, y + 3, c, title);
        case 3:
            return fmt::format("<path d='M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z' fill='{}'>{}</path>", x, y - 4.5,
                               x + 4.5, y, x, y + 4.5, x - 4.5, y, c, title);
        default:
            return fmt::format("<path d='M{:.1f},{:.1f}L{:.1f},{:.1f}M{:.1f},{:.1f}L{:.1f},{:.1f}' stroke='{}' stroke-width='2'>{}</path>",
                               x - 3.5, y - 3.5, x + 3.5, y + 3.5, x - 3.5, y + 3.5, x + 3.5, y - 3.5, c, title);
    }
}

namespace {

// A legend entry: a short line in the series' colour and dash with its marker, then the text.
std::string legend_entry(size_t series, double x, double y, const std::string& label) {
    const char* dash = dash_pattern(series);
    std::string s = fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='{}' stroke-width='2'{}/>", x, y - 4,
                                x + 26, y - 4, series_colour(series), *dash ? fmt::format(" stroke-dasharray='{}'", dash) : "");
    s += marker(series, x + 13, y - 4, label);
    return s + text(x + 32, y, label);
}

// One series as a polyline with its dash pattern and a marker per point, on the panel [top, bottom].
std::string series_line(size_t i, const std::vector<double>& values, const std::string& name, double left, double right,
                        double x_max, double top, double bottom) {
    std::string points, marks;
    for (size_t t = 0; t < values.size(); ++t) {
        const double x = left + (right - left) * double(t) / x_max;
        const double y = bottom - (bottom - top) * std::clamp(values[t], 0.0, 1.0);
        points += fmt::format("{:.1f},{:.1f} ", x, y);
        // Markers while they stay apart; a long video keeps the line alone.
        if (values.size() <= 60) marks += marker(i, x, y, fmt::format("{} frame {}: {:.1f} %", name, t, 100 * values[t]));
    }
    const char* dash = dash_pattern(i);
    return fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' stroke-opacity='0.9'{} points='{}'/>", series_colour(i),
                       *dash ? fmt::format(" stroke-dasharray='{}'", dash) : "", points) +
           marks;
}

}  // namespace

std::string lines(const std::vector<std::vector<double>>& series, const std::vector<std::string>& names,
                  const std::string& title, const std::string& y_label, const std::string& x_label) {
    size_t n = 2;
    for (const auto& v : series) n = std::max(n, v.size());
    const bool multiples = series.size() > 1;
    // One panel: 180 px high with ticks every 25 %; small multiples: 64 px each with ticks every 50 %.
    const std::vector<double> y_ticks = multiples ? std::vector<double>{0, 50, 100} : std::vector<double>{0, 25, 50, 75, 100};
    const double left = 56, right = 520, top = 34, heading = multiples ? 20 : 0, panel = multiples ? 64 : 180, gap = 10;
    const double panels_bottom = top + double(std::max<size_t>(1, series.size())) * (heading + panel + gap) - gap;
    const double legend_top = panels_bottom + 56, legend_row = 16;
    const int w = 540, h = int(multiples ? panels_bottom + 44 : legend_top + legend_row * double(series.size()) + 6);
    std::string s = open_svg(w, h);
    s += text(8, 18, title, "start", kTitle, "font-weight='bold'");
    s += text(14, (top + panels_bottom) / 2, y_label, "middle", kTick,
              fmt::format("transform='rotate(-90 14 {:.1f})'", (top + panels_bottom) / 2));
    // Frame indices: integer ticks only, at most about 8 of them.
    std::vector<double> x_ticks = nice_ticks(double(n - 1), 8);
    if (x_ticks.size() > 1 && x_ticks[1] < 1) x_ticks = nice_ticks(double(n - 1), int(n - 1));
    const double x_max = x_ticks.back();
    for (size_t i = 0; i < std::max<size_t>(1, series.size()); ++i) {
        const double panel_top = top + double(i) * (heading + panel + gap) + heading, panel_bottom = panel_top + panel;
        if (multiples) s += legend_entry(i, left, panel_top - 6, names[i]);
        s += y_axis(y_ticks, left, right, panel_top, panel_bottom);
        const bool last = i + 1 >= series.size();
        // Tick labels under the last panel only: the panels share the frame axis.
        if (last) s += x_axis(x_ticks, left, right, panel_bottom);
        else
            for (double t : x_ticks) {
                const double x = left + (right - left) * t / x_max;
                s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", x, panel_bottom, x, panel_bottom + 3);
            }
        if (i < series.size()) s += series_line(i, series[i], names[i], left, right, x_max, panel_top, panel_bottom);
    }
    s += text((left + right) / 2, panels_bottom + 34, x_label, "middle");
    if (!multiples)
        for (size_t i = 0; i < series.size(); ++i) s += legend_entry(i, left, legend_top + legend_row * double(i), names[i]);
    return s + "</svg>";
}

std::string roc(const std::vector<Point>& curve, const Point* operating, const std::string& title,
                const std::string& curve_label, const std::string& operating_label, const std::string& note) {
    const double left = 60, top = 34, side = 300, right = left + side, bottom = top + side;
    std::vector<std::string> legend = {curve_label, "chance (AUROC 50 %)"};
    if (operating) legend.push_back(operating_label);
    double widest = right + 20;
    for (const auto& l : legend) widest = std::max(widest, left + 32 + text_width(l, kTick) + 12);
    if (!note.empty()) widest = std::max(widest, 8 + text_width(note, kTick) + 12);
    const double legend_top = bottom + 56;
    const int w = int(std::ceil(std::max(widest, text_width(title, kTitle) + 16)));
    const int h = int(legend_top + 18 * double(legend.size()) + (note.empty() ? 4 : 22));
    std::string s = open_svg(w, h);
    s += text(8, 18, title, "start", kTitle, "font-weight='bold'");
    const std::vector<double> ticks = {0, 20, 40, 60, 80, 100};
    s += y_axis(ticks, left, right, top, bottom);
    s += x_axis(ticks, left, right, bottom, true, top);
    s += text(16, (top + bottom) / 2, "true-positive rate: matching pairs kept (%)", "middle", kTick,
              fmt::format("transform='rotate(-90 16 {:.1f})'", (top + bottom) / 2));
    s += text((left + right) / 2, bottom + 34, "false-positive rate: unrelated pairs kept (%)", "middle");
    auto px = [&](const Point& p) { return Point{left + side * p.x, bottom - side * p.y}; };
    s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#888' stroke-width='1.5' stroke-dasharray='{}'/>",
                     left, bottom, right, top, dash_pattern(1));
    std::string points;
    for (const Point& p : curve) points += fmt::format("{:.1f},{:.1f} ", px(p).x, px(p).y);
    s += fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' points='{}'/>", series_colour(0), points);
    if (curve.size() <= 80)
        for (const Point& p : curve) s += marker(0, px(p).x, px(p).y, fmt::format("FPR {:.1f} %, TPR {:.1f} %", 100 * p.x, 100 * p.y));
    // The operating point: a large diamond with a dark rim, over the curve's small markers.
    auto big_diamond = [&](double x, double y) {
        return fmt::format("<path d='M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z' fill='{}' stroke='#222' "
                           "stroke-width='1.2'><title>{}</title></path>",
                           x, y - 7, x + 7, y, x, y + 7, x - 7, y, series_colour(3), escape(operating_label));
    };
    if (operating) s += big_diamond(px(*operating).x, px(*operating).y);
    const double ly = legend_top;
    s += legend_entry(0, left, ly, curve_label);
    s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#888' stroke-width='1.5' stroke-dasharray='{}'/>",
                     left, ly + 18 - 4, left + 26, ly + 18 - 4, dash_pattern(1));
    s += text(left + 32, ly + 18, legend[1]);
    if (operating) s += big_diamond(left + 13, ly + 36 - 4) + text(left + 32, ly + 36, operating_label);
    if (!note.empty()) s += text(8, ly + 18 * double(legend.size()) + 4, note, "start", kTick, "fill='#c00' font-weight='bold'");
    return s + "</svg>";
}

namespace {

// Ticks at multiples of the step nice_ticks picks for the data's span, from the last multiple at
// or below `lo` to the first at or above `hi`: a training log's steps need not start at 0.
std::vector<double> span_ticks(double lo, double hi, int target) {
    if (!(hi > lo)) {  // a single value: widen the span around it so that it sits inside the axis
        const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
        lo -= pad, hi += pad;
    }
    const double step = nice_ticks(hi - lo, target)[1];
    const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
    std::vector<double> ticks;
    // Multiples of the step computed one by one, not summed, so rounding errors do not pile up.
    for (double k = first; k <= last; ++k) ticks.push_back(k * step);
    return ticks;
}

// "2.5e-5": learning rates and late losses would otherwise need six decimals, and tick_label
// falls back to %g there, which mixes "2.5e-05" with "0.0001" on one axis.
std::string scientific_label(double v) {
    if (v == 0) return "0";
    int exponent = int(std::floor(std::log10(std::abs(v))));
    double mantissa = std::round(v / std::pow(10.0, exponent) * 1e6) / 1e6;
    if (std::abs(mantissa) >= 10) mantissa /= 10, ++exponent;
    return tick_label(mantissa) + "e" + std::to_string(exponent);
}

// Every label of one axis in one notation: scientific when the numbers are very small or large.
std::vector<std::string> axis_labels(const std::vector<double>& values) {
    double largest = 0;
    for (double v : values) largest = std::max(largest, std::abs(v));
    const bool scientific = largest > 0 && (largest < 1e-3 || largest >= 1e6);
    std::vector<std::string> labels;
    for (double v : values) labels.push_back(scientific ? scientific_label(v) : tick_label(v));
    return labels;
}

// One tick of a value axis, already placed: `y` in pixels.
struct PlacedTick {
    double y;
    std::string label;  // empty: a grid line without a label
    bool baseline;      // the zero line of a linear axis, drawn dark as in y_axis
    bool minor;         // a short mark only (2…9 × 10^d on a log axis)
};

// The vertical axis of `curves`, like y_axis but with ticks placed by the caller, so that it can
// be linear from any origin or logarithmic.
std::string placed_y_axis(const std::vector<PlacedTick>& ticks, double left, double right, double top, double bottom) {
    std::string s;
    for (const PlacedTick& t : ticks) {
        if (t.minor) {
            s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left - 2, t.y, left, t.y);
            continue;
        }
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='{}'/>", left, t.y, right, t.y,
                         t.baseline ? "#333" : "#e4e4e4");
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left - 4, t.y, left, t.y);
        if (!t.label.empty()) s += text(left - 6, t.y + 4, t.label, "end");
    }
    s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#333'/>", left, top, left, bottom);
    return s;
}

}  // namespace

std::string curves(const std::vector<Curve>& series, const std::string& title, const std::string& x_label,
                   const std::string& y_label, bool log_y) {
    auto drawn = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0); };

    // Data ranges over the points that will be drawn.
    constexpr double inf = std::numeric_limits<double>::infinity();
    double x_lo = inf, x_hi = -inf, y_lo = inf, y_hi = -inf;
    for (const Curve& c : series)
        for (size_t i = 0; i < std::min(c.x.size(), c.y.size()); ++i)
            if (drawn(c.x[i], c.y[i])) {
                x_lo = std::min(x_lo, c.x[i]), x_hi = std::max(x_hi, c.x[i]);
                y_lo = std::min(y_lo, c.y[i]), y_hi = std::max(y_hi, c.y[i]);
            }
    const bool empty = !(x_lo <= x_hi);
    if (empty) x_lo = 0, x_hi = 1, y_lo = log_y ? 1 : 0, y_hi = log_y ? 10 : 1;

    // The y axis: its ticks and the value → pixel mapping (in units of the plot height, 0 at the bottom).
    std::vector<double> y_major;
    std::function<double(double)> y_unit;
    int first_decade = 0, last_decade = 0;
    if (log_y) {
        first_decade = int(std::floor(std::log10(y_lo) + 1e-9));
        last_decade = std::max(first_decade + 1, int(std::ceil(std::log10(y_hi) - 1e-9)));
        for (int d = first_decade; d <= last_decade; ++d) y_major.push_back(std::pow(10.0, d));
        const double lo = first_decade, span = last_decade - first_decade;
        y_unit = [lo, span](double v) { return (std::log10(v) - lo) / span; };
    } else {
        // From 0 (or the lowest value, if negative) so that a fall reads at its true size.
        const double lo = std::min(0.0, y_lo), hi = std::max(0.0, y_hi);
        y_major = span_ticks(lo, hi == lo ? 1 : hi, 4);
        const double from = y_major.front(), span = y_major.back() - y_major.front();
        y_unit = [from, span](double v) { return (v - from) / span; };
    }
    std::vector<std::string> y_labels = axis_labels(y_major);
    if (log_y) {
        // axis_labels looks at the largest tick only; decades below 0.001 or from 10^6 on would
        // mix "0.001" with "1e-4", so then every decade is written 1eN.
        if (first_decade < -3 || last_decade > 5)
            for (size_t k = 0; k < y_labels.size(); ++k) y_labels[k] = scientific_label(y_major[k]);
        // At most about 8 labelled decades; the others keep their grid line, unlabelled.
        const int every = std::max(1, int(std::ceil(double(y_major.size() - 1) / 8)));
        for (size_t k = 0; k < y_labels.size(); ++k)
            if ((last_decade - first_decade - int(k)) % every != 0) y_labels[k].clear();  // the top decade stays labelled
    }
    double widest = 0;
    for (const auto& l : y_labels) widest = std::max(widest, text_width(l, kTick));

    // Same frame as `lines`, with the plot moved right when the y labels are wide.
    const double left = std::max(56.0, 16 + 8 + widest), right = left + 464, top = 34, bottom = 214;
    const double legend_top = bottom + 56, legend_row = 16;
    const int w = int(std::ceil(right + 20)), h = int(legend_top + legend_row * double(series.size()) + 6);
    std::string s = open_svg(w, h);
    s += text(8, 18, title, "start", kTitle, "font-weight='bold'");
    s += text(14, (top + bottom) / 2, y_label, "middle", kTick, fmt::format("transform='rotate(-90 14 {:.1f})'", (top + bottom) / 2));

    auto to_y = [&](double v) { return bottom - (bottom - top) * y_unit(v); };
    std::vector<PlacedTick> placed;
    for (size_t k = 0; k < y_major.size(); ++k) placed.push_back({to_y(y_major[k]), y_labels[k], !log_y && y_major[k] == 0, false});
    if (log_y && last_decade - first_decade <= 6)  // minor ticks at 2…9 × 10^d, while they stay apart
        for (int d = first_decade; d < last_decade; ++d)
            for (int m = 2; m <= 9; ++m) placed.push_back({to_y(m * std::pow(10.0, d)), "", false, true});
    s += placed_y_axis(placed, left, right, top, bottom);

    const std::vector<double> x_ticks = span_ticks(x_lo, x_hi, 6);
    const double x_from = x_ticks.front(), x_span = x_ticks.back() - x_ticks.front();
    auto to_x = [&](double v) { return left + (right - left) * (v - x_from) / x_span; };
    s += x_axis(x_ticks, left, right, bottom);
    s += text((left + right) / 2, bottom + 34, x_label, "middle");
    if (empty) s += text((left + right) / 2, (top + bottom) / 2, "no values to plot", "middle", kTick, "fill='#555'");

    for (size_t i = 0; i < series.size(); ++i) {
        const Curve& c = series[i];
        const char* colour = kColours[i % 8];
        // A long run (100 000 steps) would put hundreds of points on one pixel column: keep the
        // first, lowest, highest and last of each column, which draws the same line, in their order.
        std::string path;
        std::vector<std::pair<double, double>> column;  // pixel points of the current column
        bool new_subpath = true;
        size_t subpath_points = 0;
        double last_px = 0, last_py = 0;
        auto end_subpath = [&] {
            // A lone point between two gaps: a zero-length segment, which round caps draw as a dot.
            if (subpath_points == 1) path += fmt::format("L{:.1f},{:.1f}", last_px, last_py);
            subpath_points = 0;
            new_subpath = true;
        };
        auto flush = [&] {
            if (column.empty()) return;
            size_t lowest = 0, highest = 0;
            for (size_t k = 1; k < column.size(); ++k) {
                if (column[k].second > column[lowest].second) lowest = k;  // pixel y grows downwards
                if (column[k].second < column[highest].second) highest = k;
            }
            std::vector<size_t> keep = {0, std::min(lowest, highest), std::max(lowest, highest), column.size() - 1};
            keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
            for (size_t k : keep) {
                path += fmt::format("{}{:.1f},{:.1f}", new_subpath ? "M" : "L", column[k].first, column[k].second);
                new_subpath = false;
                ++subpath_points, last_px = column[k].first, last_py = column[k].second;
            }
            column.clear();
        };
        bool any = false;
        std::string point_marks;
        for (size_t k = 0; k < std::min(c.x.size(), c.y.size()); ++k) {
            if (!drawn(c.x[k], c.y[k])) {  // a gap: the line breaks rather than bridging it
                flush();
                end_subpath();
                continue;
            }
            const double px = to_x(c.x[k]), py = to_y(c.y[k]);
            if (c.markers) point_marks += marker(i, px, py, fmt::format("{}: {} at {}", c.name, tick_label(c.y[k]), tick_label(c.x[k])));
            if (!column.empty() && std::floor(px) != std::floor(column.back().first)) flush();
            column.push_back({px, py});
            any = true;
        }
        flush();
        end_subpath();
        if (any)
            s += fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='1.5' stroke-opacity='0.85' "
                             "stroke-linejoin='round' stroke-linecap='round'><title>{}</title></path>",
                             path, colour, escape(c.name));
        s += point_marks;
        const double ly = legend_top + legend_row * double(i);
        s += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='{}' stroke-width='3'/>", left, ly - 4,
                         left + 18, ly - 4, colour);
        if (c.markers) s += marker(i, left + 9, ly - 4, c.name);
        s += text(left + 24, ly, any ? c.name : c.name + (log_y ? " (no positive values)" : " (no values)"));
    }
    return s + "</svg>";
}

}  // namespace r2::svg
