// Small SVG charts drawn by r2bench for report.html (no scripts, no network). Every chart has
// numeric axes with ticks and units, and lays its labels out so that none overlap.
#pragma once
#include <string>
#include <vector>

namespace r2::svg {

// Histogram of fractions in [0, 1] with `bins` equal bins, drawn on a 0–100 % axis; the y axis
// counts items (`y_label`, e.g. "expressions").
std::string histogram(const std::vector<double>& fractions, int bins, const std::string& title, const std::string& x_label,
                      const std::string& y_label);

// One horizontal bar per item, largest first as given, on a numeric axis labelled `x_label`.
struct Bar {
    std::string label;    // left of the bar
    double value = 0;     // bar length, in the axis unit
    std::string text;     // printed after the bar (e.g. the value with its unit)
    std::string tooltip;  // shown on hover
};
std::string bar_chart(const std::vector<Bar>& bars, const std::string& title, const std::string& subtitle,
                      const std::string& x_label);

// One line per series over x = 0..n-1 (frame index), y a fraction in [0, 1] drawn as 0–100 %.
// Several series are small multiples: one panel each, stacked on a shared frame axis (labelled
// under the last), each headed by its legend entry, so that series lying on top of each other
// (five expressions at J = 0) all stay visible. Every series has its own colour, marker shape
// and dash pattern, so they can be told apart without colour too.
std::string lines(const std::vector<std::vector<double>>& series, const std::vector<std::string>& names,
                  const std::string& title, const std::string& y_label, const std::string& x_label);

// One line per series over numeric x and y (e.g. training loss per step); the legend sits below
// the plot, one row per series, as in `lines`. The x axis spans the data, rounded out to nice
// ticks. The linear y axis starts at 0 (or below, for negative values) so that a fall reads at
// its true size; with `log_y` it is a log10 axis with a tick per decade instead, for losses that
// fall over orders of magnitude, and values <= 0 are left out (the line breaks there). NaN and
// infinite points are left out the same way. Each series is one <path>.
struct Curve {
    std::string name;           // in the legend and the line's tooltip
    std::vector<double> x, y;   // same length, x ascending
    bool markers = false;       // also mark each point (marker() of the series): for a few points, such as validation passes
};
std::string curves(const std::vector<Curve>& series, const std::string& title, const std::string& x_label,
                   const std::string& y_label, bool log_y);

// An ROC curve on 0–100 % axes (false-positive rate across, true-positive rate up) with the
// chance diagonal, the curve's points and, when given, one marked operating point; `curve_label`,
// `operating_label` and `note` (drawn in red on the plot, e.g. a degenerate score) go in the legend.
struct Point {
    double x = 0, y = 0;  // fractions in [0, 1]
};
std::string roc(const std::vector<Point>& curve, const Point* operating, const std::string& title,
                const std::string& curve_label, const std::string& operating_label, const std::string& note);

// Marker shapes and dash patterns in series order, so that series differ in more than colour.
// A marker centred at (x, y), with a tooltip.
std::string marker(size_t series, double x, double y, const std::string& tooltip);
const char* dash_pattern(size_t series);  // "" (solid) for the first
const char* series_colour(size_t series);

// Tick positions 0, s, 2s, … covering [0, max] with a "nice" step s (1, 2, 2.5 or 5 × 10^k) and
// about `target` intervals.
std::vector<double> nice_ticks(double max, int target);

// A tick label: integers without decimals, others with the fewest decimals that show the step.
std::string tick_label(double v);

// Width in pixels of `text` at `font_px` in a sans-serif font, an upper bound used to lay out labels.
double text_width(const std::string& text, double font_px);

std::string escape(const std::string& text);

}  // namespace r2::svg
