#include "model_zoo/position_embedding.h"

namespace r2::nn {

namespace {
using torch::indexing::None;
using torch::indexing::Slice;

// [sin(e/d0), cos(e/d1), sin(e/d2), …] along a new last dimension of num_pos_feats.
torch::Tensor sine_features(const torch::Tensor& embed, int64_t num_pos_feats, double temperature) {
    auto dim_t = torch::arange(num_pos_feats, torch::TensorOptions().dtype(torch::kFloat32).device(embed.device()));
    dim_t = torch::pow(temperature, 2 * torch::floor_divide(dim_t, 2) / double(num_pos_feats));
    const auto pos = embed.unsqueeze(-1) / dim_t;
    const auto even = pos.index({"...", Slice(0, None, 2)}).sin(), odd = pos.index({"...", Slice(1, None, 2)}).cos();
    return torch::stack({even, odd}, -1).flatten(-2);
}
}  // namespace

torch::Tensor position_embedding_sine_2d(const torch::Tensor& mask, int64_t num_pos_feats, double temperature, bool normalize,
                                         double scale) {
    const auto not_mask = mask.logical_not();
    auto y = not_mask.cumsum(1, torch::kFloat32), x = not_mask.cumsum(2, torch::kFloat32);
    if (normalize) {
        const double eps = 1e-6;
        y = (y - 0.5) / (y.index({Slice(), Slice(-1, None), Slice()}) + eps) * scale;
        x = (x - 0.5) / (x.index({Slice(), Slice(), Slice(-1, None)}) + eps) * scale;
    }
    return torch::cat({sine_features(y, num_pos_feats, temperature), sine_features(x, num_pos_feats, temperature)}, 3)
        .permute({0, 3, 1, 2});
}

torch::Tensor position_embedding_sine_1d(const torch::Tensor& mask, int64_t num_pos_feats, double temperature, bool normalize,
                                         double scale) {
    auto x = mask.logical_not().cumsum(1, torch::kFloat32);
    if (normalize) {
        x = x / (x.index({Slice(), Slice(-1, None)}) + 1e-6) * scale;
    }
    return sine_features(x, num_pos_feats, temperature).permute({0, 2, 1});
}

torch::Tensor position_embedding_sine_2d_channels_last(const torch::Tensor& mask, int64_t num_pos_feats, double temperature,
                                                       double scale) {
    const auto not_mask = mask.logical_not();
    auto y = not_mask.cumsum(1, torch::kFloat32), x = not_mask.cumsum(2, torch::kFloat32);
    const double eps = 1e-6;
    y = y / (y.index({Slice(), Slice(-1, None), Slice()}) + eps) * scale;
    x = x / (x.index({Slice(), Slice(), Slice(-1, None)}) + eps) * scale;
    return torch::cat({sine_features(y, num_pos_feats, temperature), sine_features(x, num_pos_feats, temperature)}, 3);
}

}  // namespace r2::nn
