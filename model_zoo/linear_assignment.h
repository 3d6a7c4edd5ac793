// Optimal rectangular linear assignment with scipy.optimize.linear_sum_assignment's semantics,
// without libtorch. MTTR's Hungarian matcher uses it to pair its object queries with the
// referred-object trajectories (cost matrix: queries × trajectories) before computing the loss.
//
// Ties: when several assignments reach the same minimal total cost, the one returned here may
// differ from scipy's. That does not matter for the loss: the matcher only needs *an* optimal
// pairing, every optimum has the same matching cost, and costs computed from network outputs
// are real-valued, so exact ties among distinct pairings essentially never occur.
#pragma once
#include <cstdint>
#include <vector>

namespace r2 {

struct Assignment {
    std::vector<int64_t> rows, cols;  // pair k is (rows[k], cols[k]); rows ascending
};

// Minimises the total cost of a row-major n_rows × n_cols matrix. min(n_rows, n_cols) pairs come
// back: with n_rows >= n_cols every column gets one row, otherwise every row gets one column.
// Shortest augmenting paths with potentials (Jonker–Volgenant / Hungarian), O(n² m), solving the
// transpose when there are more rows than columns, as scipy does. +inf marks a forbidden pair.
// Throws r2::Error on a size mismatch, a NaN or -inf cost, or when no full assignment avoids +inf.
Assignment linear_sum_assignment(const std::vector<double>& cost, int64_t n_rows, int64_t n_cols);

}  // namespace r2
