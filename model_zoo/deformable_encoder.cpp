#include "model_zoo/deformable_encoder.h"

namespace r2::nn {

torch::Tensor encoder_reference_points(const torch::Tensor& spatial_shapes, const torch::Tensor& valid_ratios) {
    const auto shapes = spatial_shapes.to(torch::kCPU);
    std::vector<torch::Tensor> levels;
    for (int64_t l = 0; l < shapes.size(0); ++l) {
        const int64_t H = shapes[l][0].item<int64_t>(), W = shapes[l][1].item<int64_t>();
        const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(valid_ratios.device());
        const auto grid = torch::meshgrid({torch::linspace(0.5, double(H) - 0.5, H, options), torch::linspace(0.5, double(W) - 0.5, W, options)}, "ij");
        const auto ref_y = grid[0].reshape({1, -1}) / (valid_ratios.select(1, l).select(1, 1).unsqueeze(1) * double(H));
        const auto ref_x = grid[1].reshape({1, -1}) / (valid_ratios.select(1, l).select(1, 0).unsqueeze(1) * double(W));
        levels.push_back(torch::stack({ref_x, ref_y}, -1));
    }
    return torch::cat(levels, 1).unsqueeze(2) * valid_ratios.unsqueeze(1);
}

DeformableEncoderLayerImpl::DeformableEncoderLayerImpl(int64_t d_model, int64_t d_ffn, int64_t n_levels, int64_t n_heads, int64_t n_points) {
    self_attn = register_module("self_attn", MSDeformAttn(d_model, n_levels, n_heads, n_points));
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, d_ffn));
    linear2 = register_module("linear2", torch::nn::Linear(d_ffn, d_model));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
}

torch::Tensor DeformableEncoderLayerImpl::forward(const torch::Tensor& src, const torch::Tensor& pos, const torch::Tensor& reference_points,
                                                  const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                                                  const torch::Tensor& padding_mask) {
    auto x = norm1(src + self_attn(pos.defined() ? src + pos : src, reference_points, src, spatial_shapes, level_start_index, padding_mask));
    return norm2(x + linear2(linear1(x).relu_()));
}

}  // namespace r2::nn
