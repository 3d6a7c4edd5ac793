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

// One line per series over x = 0..n-1 (frame index), y a fraction in [0, 1] drawn as 0–100 %;
// the legend sits below the plot, one row per series.
std::string lines(const std::vector<std::vector<double>>& series, const std::vector<std::string>& names,
                  const std::string& title, const std::string& y_label, const std::string& x_label);

// Tick positions 0, s, 2s, … covering [0, max] with a "nice" step s (1, 2, 2.5 or 5 × 10^k) and
// about `target` intervals.
std::vector<double> nice_ticks(double max, int target);

// A tick label: integers without decimals, others with the fewest decimals that show the step.
std::string tick_label(double v);

// Width in pixels of `text` at `font_px` in a sans-serif font, an upper bound used to lay out labels.
double text_width(const std::string& text, double font_px);

std::string escape(const std::string& text);

}  // namespace r2::svg
