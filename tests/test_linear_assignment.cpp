#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "model_zoo/linear_assignment.h"

using namespace r2;

namespace {

double total(const std::vector<double>& cost, int64_t n_cols, const Assignment& a) {
    double sum = 0.0;
    for (size_t k = 0; k < a.rows.size(); ++k) sum += cost[size_t(a.rows[k] * n_cols + a.cols[k])];
    return sum;
}

// Every pair in range, rows strictly ascending, columns distinct, min(n_rows, n_cols) pairs.
void check_valid(const Assignment& a, int64_t n_rows, int64_t n_cols) {
    REQUIRE(a.rows.size() == a.cols.size());
    REQUIRE(int64_t(a.rows.size()) == std::min(n_rows, n_cols));
    std::set<int64_t> cols;
    for (size_t k = 0; k < a.rows.size(); ++k) {
        CHECK(a.rows[k] >= 0);
        CHECK(a.rows[k] < n_rows);
        CHECK(a.cols[k] >= 0);
        CHECK(a.cols[k] < n_cols);
        if (k > 0) CHECK(a.rows[k - 1] < a.rows[k]);
        cols.insert(a.cols[k]);
    }
    CHECK(cols.size() == a.cols.size());
}

// The minimal total over all injective maps from the smaller side into the larger.
double brute_force(const std::vector<double>& cost, int64_t n_rows, int64_t n_cols) {
    const bool transpose = n_rows > n_cols;
    const int64_t n = transpose ? n_cols : n_rows, m = transpose ? n_rows : n_cols;
    std::vector<int64_t> perm(static_cast<size_t>(m));
    std::iota(perm.begin(), perm.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i)
            sum += transpose ? cost[size_t(perm[size_t(i)] * n_cols + i)]
                             : cost[size_t(i * n_cols + perm[size_t(i)])];
        best = std::min(best, sum);
    } while (std::next_permutation(perm.begin(), perm.end()));
    return best;
}

}  // namespace

TEST_CASE("linear_sum_assignment solves a hand-computed 3x3 case") {
    // scipy's documentation example: the optimum 1 + 2 + 2 = 5.
    const std::vector<double> cost = {4, 1, 3,  //
                                      2, 0, 5,  //
                                      3, 2, 2};
    const Assignment a = linear_sum_assignment(cost, 3, 3);
    CHECK(a.rows == std::vector<int64_t>{0, 1, 2});
    CHECK(a.cols == std::vector<int64_t>{1, 0, 2});
    CHECK(total(cost, 3, a) == 5.0);
}

TEST_CASE("linear_sum_assignment gives every column a row in a tall 5x2 matrix sorted by row") {
    const std::vector<double> cost = {5, 9,  //
                                      8, 1,  //
                                      7, 2,  //
                                      0, 3,  //
                                      6, 4};
    const Assignment a = linear_sum_assignment(cost, 5, 2);
    check_valid(a, 5, 2);
    CHECK(a.rows == std::vector<int64_t>{1, 3});
    CHECK(a.cols == std::vector<int64_t>{1, 0});
    CHECK(total(cost, 2, a) == 1.0);
}

TEST_CASE("linear_sum_assignment gives every row a column in a wide 2x5 matrix") {
    // Both rows like column 1 best; the optimum gives it to row 1 (3 + 2 = 5 beats 1 + 5 = 6).
    const std::vector<double> cost = {3, 1, 4, 9, 9,  //
                                      5, 2, 6, 9, 9};
    const Assignment a = linear_sum_assignment(cost, 2, 5);
    check_valid(a, 2, 5);
    CHECK(a.rows == std::vector<int64_t>{0, 1});
    CHECK(a.cols == std::vector<int64_t>{0, 1});
    CHECK(total(cost, 5, a) == 5.0);
}

TEST_CASE("linear_sum_assignment matches brute force on random matrices up to 6x4 and 4x6") {
    Rng rng(20240611);
    int cases = 0;
    for (int64_t n_rows = 1; n_rows <= 6; ++n_rows)
        for (int64_t n_cols = 1; n_cols <= 6; ++n_cols) {
            if (std::min(n_rows, n_cols) > 4) continue;
            for (int trial = 0; trial < 20; ++trial) {
                CAPTURE(n_rows);
                CAPTURE(n_cols);
                CAPTURE(trial);
                // Odd trials use small integers, which makes ties common; even ones signed reals.
                std::vector<double> cost(size_t(n_rows * n_cols));
                for (double& c : cost) c = trial % 2 ? double(rng.between(0, 3)) : rng.uniform(-5.0, 10.0);
                const Assignment a = linear_sum_assignment(cost, n_rows, n_cols);
                check_valid(a, n_rows, n_cols);
                const double best = brute_force(cost, n_rows, n_cols);
                CHECK(total(cost, n_cols, a) == doctest::Approx(best).epsilon(1e-12));
                // The transpose has the same optimum.
                std::vector<double> t(cost.size());
                for (int64_t i = 0; i < n_rows; ++i)
                    for (int64_t j = 0; j < n_cols; ++j) t[size_t(j * n_rows + i)] = cost[size_t(i * n_cols + j)];
                const Assignment b = linear_sum_assignment(t, n_cols, n_rows);
                check_valid(b, n_cols, n_rows);
                CHECK(total(t, n_rows, b) == doctest::Approx(best).epsilon(1e-12));
                ++cases;
            }
        }
    CHECK(cases == 32 * 20);
}

TEST_CASE("linear_sum_assignment handles empty matrices and avoids +inf pairs") {
    CHECK(linear_sum_assignment({}, 0, 0).rows.empty());
    CHECK(linear_sum_assignment({}, 3, 0).cols.empty());
    CHECK(linear_sum_assignment({}, 0, 4).rows.empty());
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<double> cost = {inf, 1,  //
                                      2, inf};
    const Assignment a = linear_sum_assignment(cost, 2, 2);
    CHECK(a.rows == std::vector<int64_t>{0, 1});
    CHECK(a.cols == std::vector<int64_t>{1, 0});
}

TEST_CASE("linear_sum_assignment rejects bad sizes and NaN or -inf costs") {
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(linear_sum_assignment({1, 2, 3}, 2, 2), Error);
    CHECK_THROWS_AS(linear_sum_assignment({1, 2, 3, 4}, 2, 3), Error);
    CHECK_THROWS_AS(linear_sum_assignment({}, -1, 0), Error);
    CHECK_THROWS_AS(linear_sum_assignment({1, std::nan(""), 3, 4}, 2, 2), Error);
    CHECK_THROWS_AS(linear_sum_assignment({1, 2, -inf, 4}, 2, 2), Error);
    // Feasible only through +inf: scipy's "cost matrix is infeasible".
    CHECK_THROWS_AS(linear_sum_assignment({inf, inf, 1, 2}, 2, 2), Error);
    CHECK_THROWS_AS(linear_sum_assignment({1, inf, 2, inf, inf, inf}, 3, 2), Error);
}
