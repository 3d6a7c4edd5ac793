#include "model_zoo/linear_assignment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "core/error.h"

namespace r2 {

Assignment linear_sum_assignment(const std::vector<double>& cost, int64_t n_rows, int64_t n_cols) {
    if (n_rows < 0 || n_cols < 0 || (n_cols > 0 && n_rows > INT64_MAX / n_cols) ||
        cost.size() != static_cast<uint64_t>(n_rows * n_cols))
        throw Error("linear_sum_assignment: cost has " + std::to_string(cost.size()) +
                    " entries, expected " + std::to_string(n_rows) + " x " + std::to_string(n_cols));
    for (double c : cost)
        if (std::isnan(c) || c == -std::numeric_limits<double>::infinity())
            throw Error("linear_sum_assignment: cost matrix contains NaN or -inf");
    Assignment out;
    if (n_rows == 0 || n_cols == 0) return out;

    // Work on an n × m matrix a with n <= m (the transpose when there are more rows than columns).
    const bool transpose = n_rows > n_cols;
    const int64_t n = transpose ? n_cols : n_rows, m = transpose ? n_rows : n_cols;
    auto a = [&](int64_t i, int64_t j) {  // 0-based
        return transpose ? cost[size_t(j * n_cols + i)] : cost[size_t(i * n_cols + j)];
    };

    // e-maxx Hungarian, 1-based: u, v are the potentials, p[j] the row matched to column j (0 =
    // none), way[j] the previous column on the shortest path. Adds one row per outer iteration.
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(size_t(n + 1), 0.0), v(size_t(m + 1), 0.0), minv(size_t(m + 1));
    std::vector<int64_t> p(size_t(m + 1), 0), way(size_t(m + 1), 0);
    std::vector<char> used(size_t(m + 1));
    for (int64_t i = 1; i <= n; ++i) {
        p[0] = i;
        int64_t j0 = 0;
        std::fill(minv.begin(), minv.end(), inf);
        std::fill(used.begin(), used.end(), char(0));
        do {
            used[size_t(j0)] = 1;
            const int64_t i0 = p[size_t(j0)];
            double delta = inf;
            int64_t j1 = -1;
            for (int64_t j = 1; j <= m; ++j) {
                if (used[size_t(j)]) continue;
                const double cur = a(i0 - 1, j - 1) - u[size_t(i0)] - v[size_t(j)];
                if (cur < minv[size_t(j)]) minv[size_t(j)] = cur, way[size_t(j)] = j0;
                if (minv[size_t(j)] < delta) delta = minv[size_t(j)], j1 = j;
            }
            if (j1 < 0) throw Error("linear_sum_assignment: cost matrix is infeasible");
            for (int64_t j = 0; j <= m; ++j) {
                if (used[size_t(j)]) {
                    u[size_t(p[size_t(j)])] += delta;
                    v[size_t(j)] -= delta;
                } else {
                    minv[size_t(j)] -= delta;
                }
            }
            j0 = j1;
        } while (p[size_t(j0)] != 0);
        do {  // flip the augmenting path
            const int64_t j1 = way[size_t(j0)];
            p[size_t(j0)] = p[size_t(j1)];
            j0 = j1;
        } while (j0 != 0);
    }

    out.rows.reserve(size_t(n));
    out.cols.reserve(size_t(n));
    if (!transpose) {
        std::vector<int64_t> col_of(size_t(n), -1);
        for (int64_t j = 1; j <= m; ++j)
            if (p[size_t(j)] != 0) col_of[size_t(p[size_t(j)] - 1)] = j - 1;
        for (int64_t i = 0; i < n; ++i) out.rows.push_back(i), out.cols.push_back(col_of[size_t(i)]);
    } else {
        // Solved rows are the original columns; walking the solved columns (original rows) in
        // order gives the pairs sorted by original row.
        for (int64_t j = 1; j <= m; ++j)
            if (p[size_t(j)] != 0) out.rows.push_back(j - 1), out.cols.push_back(p[size_t(j)] - 1);
    }
    return out;
}

}  // namespace r2
