// `r2bench bench msda`: the reference (grid_sample) and the fast CPU kernel of multi-scale
// deformable attention on ReferFormer's encoder shapes, timed in the same run.
#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "cli/bench_util.h"
#include "model_zoo/msdeform_attn.h"

namespace r2::cli {

int run_bench_msda(int frames, int height, int width, int repeats) {
    torch::NoGradGuard no_grad;
    const int64_t M = 8, D = 32, L = 4, P = 4;
    std::vector<int64_t> shape_values, starts;
    int64_t S = 0;
    for (int stride : {8, 16, 32, 64}) {
        const int64_t h = (height + stride - 1) / stride, w = (width + stride - 1) / stride;
        shape_values.push_back(h), shape_values.push_back(w), starts.push_back(S);
        S += h * w;
    }
    const auto shapes = torch::tensor(shape_values, torch::kInt64).view({L, 2});
    const auto start = torch::tensor(starts, torch::kInt64);
    torch::manual_seed(0);
    const int64_t N = frames, Lq = S;  // the encoder: every pixel of every level is a query
    const auto value = torch::randn({N, S, M, D});
    // Realistic sampling locations, as the encoder makes them: each query's reference point is its
    // own pixel centre (normalised), plus offsets of a few pixels at every level.
    std::vector<torch::Tensor> refs;
    for (int64_t l = 0; l < L; ++l) {
        const int64_t h = shape_values[size_t(2 * l)], w = shape_values[size_t(2 * l + 1)];
        const auto ys = (torch::arange(h, torch::kFloat32) + 0.5) / h, xs = (torch::arange(w, torch::kFloat32) + 0.5) / w;
        const auto grid = torch::meshgrid({ys, xs}, "ij");
        refs.push_back(torch::stack({grid[1].flatten(), grid[0].flatten()}, -1));
    }
    const auto reference_points = torch::cat(refs, 0);  // (Lq, 2)
    const auto normalizer = torch::stack({shapes.select(1, 1), shapes.select(1, 0)}, -1).to(torch::kFloat32);  // (L, 2)
    const auto offsets = torch::randn({N, Lq, M, L, P, 2}) * 2.0;
    const auto locations = reference_points.view({1, Lq, 1, 1, 1, 2}) + offsets / normalizer.view({1, 1, 1, L, 1, 2});
    const auto weights = torch::rand({N, Lq, M, L, P}).flatten(-2).softmax(-1).view({N, Lq, M, L, P});
    fmt::print("bench msda: {} frames at {}x{} -> levels (strides 8/16/32/64) with {} pixels each frame, "
               "{} heads x {} channels, {} levels x {} points, every pixel a query; torch threads {}\n",
               frames, width, height, S, M, D, L, P, at::get_num_threads());
    torch::Tensor a, b;
    const double reference = best_seconds(repeats, [&] { a = nn::ms_deform_attn_reference(value, shapes, start, locations, weights); });
    const double fast = best_seconds(repeats, [&] { b = nn::ms_deform_attn_cpu(value, shapes, start, locations, weights); });
    fmt::print("  reference (grid_sample per level): {:8.3f} s\n", reference);
    fmt::print("  fast CPU kernel:                   {:8.3f} s\n", fast);
    fmt::print("  speed-up:                          {:8.1f}x  goal >= 10\n", reference / fast);
    fmt::print("  max |reference - fast|:            {:.2e}\n", (a - b).abs().max().item<double>());
    return 0;
}

}  // namespace r2::cli
