// Small SVG charts drawn by r2bench for report.html (no scripts, no network).
#pragma once
#include <string>
#include <vector>

namespace r2::svg {

// Histogram of values in [lo, hi] with `bins` bars.
std::string histogram(const std::vector<double>& values, double lo, double hi, int bins, const std::string& title,
                      const std::string& x_label);

// One row per label: two bars (first and second series) on a shared scale.
std::string paired_bars(const std::vector<std::string>& labels, const std::vector<double>& first,
                        const std::vector<double>& second, const std::string& first_name, const std::string& second_name,
                        const std::string& title);

// One line per series over x = 0..n-1, y in [0, 1].
std::string lines(const std::vector<std::vector<double>>& series, const std::vector<std::string>& names,
                  const std::string& title, const std::string& y_label);

std::string escape(const std::string& text);

}  // namespace r2::svg
