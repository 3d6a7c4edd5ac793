#include "metrics/statistics.h"

#include <cstddef>

namespace r2 {
using std::size_t;

std::vector<int> decay_bin_edges(int n) {
    // linspace(1, n, 5)[i] = 1 + i (n - 1) / 4, whose fraction is one of .0 .25 .5 .75; adding
    // 1e-10 before rounding makes .5 round up, so round(...) - 1 = floor((i (n - 1) + 2) / 4).
    std::vector<int> edges(5);
    for (int i = 0; i < 5; ++i) edges[size_t(i)] = (i * (n - 1) + 2) / 4;
    return edges;
}

SeriesStats series_stats(const std::vector<double>& v) {
    SeriesStats s;
    if (v.empty()) return s;
    double sum = 0, above = 0;
    for (double x : v) {
        sum += x;
        above += x > 0.5 ? 1.0 : 0.0;
    }
    const double n = double(v.size());
    s.mean = sum / n;
    s.recall = above / n;
    const std::vector<int> e = decay_bin_edges(int(v.size()));
    auto bin_mean = [&](int bin) {
        double total = 0;
        for (int i = e[size_t(bin)]; i <= e[size_t(bin) + 1]; ++i) total += v[size_t(i)];
        return total / double(e[size_t(bin) + 1] - e[size_t(bin)] + 1);
    };
    s.decay = bin_mean(0) - bin_mean(3);
    return s;
}

}  // namespace r2
