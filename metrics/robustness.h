// Robustness R (R²-VOS): how much a model segments when the expression does not match the video.
//   R = 1 − Σ_neg |M| / Σ_pos |M|
// over *predicted* foreground pixels: Σ_neg sums the predictions of each expression on its
// negative video, Σ_pos those on its positive video. 1 is ideal; R may be negative (no clamping).
#pragma once
#include <cstdint>
#include <optional>

namespace r2 {

// The rule for a zero denominator (used for one expression, one video and the data set alike):
//   positive_pixels > 0                  → 1 − negative / positive
//   positive_pixels = 0, negative = 0    → 1 (nothing predicted anywhere: nothing was hallucinated)
//   positive_pixels = 0, negative > 0    → undefined (nullopt; "n/a" in tables, empty in CSV)
std::optional<double> robustness(int64_t positive_pixels, int64_t negative_pixels);

// Σneg / (Σneg + Σpos): the share of predicted foreground that fell on the negative videos. Unlike
// R it stays in [0, 1] when Σpos is tiny (one expression's Σpos can be a few pixels, sending its R
// towards −∞), and it orders items as R does: share = (1 − R) / (2 − R). Nothing predicted
// anywhere is no false alarm: 0.
double false_alarm_share(int64_t positive_pixels, int64_t negative_pixels);

// J&F&R = mean(J, F, R), the paper's Table 2 headline; undefined when R is.
std::optional<double> jfr(double j, double f, std::optional<double> r);

}  // namespace r2
