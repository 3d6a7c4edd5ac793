#include "metrics/robustness.h"

namespace r2 {

std::optional<double> robustness(int64_t positive_pixels, int64_t negative_pixels) {
    if (positive_pixels > 0) return 1.0 - double(negative_pixels) / double(positive_pixels);
    if (negative_pixels == 0) return 1.0;
    return std::nullopt;
}

double false_alarm_share(int64_t positive_pixels, int64_t negative_pixels) {
    return negative_pixels == 0 ? 0.0 : double(negative_pixels) / double(negative_pixels + positive_pixels);
}

std::optional<double> jfr(double j, double f, std::optional<double> r) {
    if (!r) return std::nullopt;
    return (j + f + *r) / 3.0;
}

}  // namespace r2
