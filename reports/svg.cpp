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
            default: out += c;
        }
    }
    return out;
}

namespace {
const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
}

std::string histogram(const std::vector<double>& values, double lo, double hi, int bins, const std::string& title,
                      const std::string& x_label) {
    std::vector<int> counts(size_t(bins), 0);
    for (double v : values) {
        if (std::isnan(v)) continue;
        const int b = std::clamp(int((v - lo) / (hi - lo) * bins), 0, bins - 1);
        ++counts[size_t(b)];
    }
    const int max_count = std::max(1, *std::max_element(counts.begin(), counts.end()));
    const int w = 420, h = 220, left = 40, bottom = 30, top = 24;
    const double bar = double(w - left - 10) / bins;
    std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' class='chart'>", w, h);
    s += fmt::format("<text x='{}' y='16' class='title'>{}</text>", left, escape(title));
    for (int b = 0; b < bins; ++b) {
        const double bh = double(h - bottom - top) * counts[size_t(b)] / max_count;
        s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='{}'><title>{:.2f}–{:.2f}: {}</title></rect>",
                         left + b * bar + 1, h - bottom - bh, bar - 2, bh, kColours[0], lo + (hi - lo) * b / bins,
                         lo + (hi - lo) * (b + 1) / bins, counts[size_t(b)]);
    }
    s += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='#333'/>", left, h - bottom, w - 10, h - bottom);
    for (int k = 0; k <= 4; ++k)
        s += fmt::format("<text x='{:.1f}' y='{}' class='tick'>{:g}</text>", left + (w - left - 10) * k / 4.0 - 6, h - bottom + 14,
                         lo + (hi - lo) * k / 4);
    s += fmt::format("<text x='{}' y='{}' class='tick'>{}</text>", w / 2, h - 2, escape(x_label));
    s += fmt::format("<text x='4' y='{}' class='tick'>{}</text>", top + 10, max_count);
    return s + "</svg>";
}

std::string paired_bars(const std::vector<std::string>& labels, const std::vector<double>& first,
                        const std::vector<double>& second, const std::string& first_name, const std::string& second_name,
                        const std::string& title) {
    const int row = 18, left = 110, w = 520, top = 40;
    const int h = top + int(labels.size()) * row + 10;
    double max_value = 1;
    for (size_t i = 0; i < labels.size(); ++i) max_value = std::max({max_value, first[i], second[i]});
    std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' class='chart'>", w, h);
    s += fmt::format("<text x='4' y='16' class='title'>{}</text>", escape(title));
    s += fmt::format("<rect x='{}' y='24' width='10' height='8' fill='{}'/><text x='{}' y='32' class='tick'>{}</text>", left,
                     kColours[0], left + 14, escape(first_name));
    s += fmt::format("<rect x='{}' y='24' width='10' height='8' fill='{}'/><text x='{}' y='32' class='tick'>{}</text>",
                     left + 170, kColours[1], left + 184, escape(second_name));
    for (size_t i = 0; i < labels.size(); ++i) {
        const double y = top + double(i) * row;
        const double a = (w - left - 10) * first[i] / max_value, b = (w - left - 10) * second[i] / max_value;
        s += fmt::format("<text x='4' y='{:.0f}' class='tick'>{}</text>", y + 12, escape(labels[i]));
        s += fmt::format("<rect x='{}' y='{:.0f}' width='{:.1f}' height='7' fill='{}'><title>{}: {:.0f}</title></rect>", left, y + 2, a,
                         kColours[0], escape(first_name), first[i]);
        s += fmt::format("<rect x='{}' y='{:.0f}' width='{:.1f}' height='7' fill='{}'><title>{}: {:.0f}</title></rect>", left, y + 9, b,
                         kColours[1], escape(second_name), second[i]);
    }
    return s + "</svg>";
}

std::string lines(const std::vector<std::vector<double>>& series, const std::vector<std::string>& names,
                  const std::string& title, const std::string& y_label) {
    const int w = 520, h = 240, left = 40, bottom = 30, top = 24, legend = 120;
    size_t n = 2;
    for (const auto& s : series) n = std::max(n, s.size());
    const double plot_w = w - left - legend, plot_h = h - bottom - top;
    std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' class='chart'>", w, h);
    s += fmt::format("<text x='{}' y='16' class='title'>{}</text>", left, escape(title));
    for (int k = 0; k <= 4; ++k) {
        const double y = top + plot_h * (1 - k / 4.0);
        s += fmt::format("<line x1='{}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#ddd'/>", left, y, left + plot_w, y);
        s += fmt::format("<text x='8' y='{:.1f}' class='tick'>{:g}</text>", y + 4, k / 4.0);
    }
    for (size_t i = 0; i < series.size(); ++i) {
        std::string points;
        for (size_t t = 0; t < series[i].size(); ++t)
            points += fmt::format("{:.1f},{:.1f} ", left + plot_w * double(t) / double(n - 1),
                                  top + plot_h * (1 - std::clamp(series[i][t], 0.0, 1.0)));
        s += fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' points='{}'/>", kColours[i % 8], points);
        s += fmt::format("<text x='{:.0f}' y='{}' class='tick' fill='{}'>{}</text>", left + plot_w + 8, top + 12 + 14 * int(i),
                         kColours[i % 8], escape(names[i]));
    }
    s += fmt::format("<text x='{}' y='{}' class='tick'>frame</text><text x='4' y='{}' class='tick'>{}</text>", left + int(plot_w) / 2,
                     h - 4, top - 6, escape(y_label));
    return s + "</svg>";
}

}  // namespace r2::svg
