#include <doctest/doctest.h>

#include "metrics/statistics.h"

using namespace r2;

TEST_CASE("decay bins follow DAVIS' rounded linspace") {
    // round(linspace(1, n, 5) + 1e-10) - 1, computed by hand:
    CHECK(decay_bin_edges(1) == std::vector<int>{0, 0, 0, 0, 0});
    CHECK(decay_bin_edges(2) == std::vector<int>{0, 0, 1, 1, 1});  // 1, 1.25, 1.5→2, 1.75, 2
    CHECK(decay_bin_edges(5) == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(decay_bin_edges(10) == std::vector<int>{0, 2, 5, 7, 9});  // 1, 3.25, 5.5→6, 7.75, 10
    CHECK(decay_bin_edges(36) == std::vector<int>{0, 9, 18, 26, 35});  // 1, 9.75, 18.5→19, 27.25, 36
}

TEST_CASE("mean, recall and decay by hand") {
    const SeriesStats s = series_stats({1.0, 0.8, 0.6, 0.5, 0.2});
    CHECK(s.mean == doctest::Approx(3.1 / 5));
    CHECK(s.recall == doctest::Approx(3.0 / 5));  // 0.5 is not > 0.5
    // bins [0..1], [1..2], [2..3], [3..4]: first mean 0.9, last mean 0.35.
    CHECK(s.decay == doctest::Approx(0.9 - 0.35));
    const SeriesStats one = series_stats({0.7});
    CHECK(one.mean == doctest::Approx(0.7));
    CHECK(one.recall == 1.0);
    CHECK(one.decay == 0.0);
    const SeriesStats none = series_stats({});
    CHECK(none.mean == 0.0);
}
