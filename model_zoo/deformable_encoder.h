// Deformable DETR's encoder layer (post-norm, ReLU) and the encoder's reference points
// (models/deformable_transformer.py), with the official key names: self_attn.*, norm1, linear1,
// linear2, norm2.
#pragma once
#include <torch/torch.h>

#include "model_zoo/msdeform_attn.h"

namespace r2::nn {

// valid_ratios (N, L, 2) as (w, h) → (N, S, L, 2): every pixel centre of every level, normalised
// by its level's valid size, then scaled by each level's valid ratio.
torch::Tensor encoder_reference_points(const torch::Tensor& spatial_shapes, const torch::Tensor& valid_ratios);

struct DeformableEncoderLayerImpl : torch::nn::Module {
    DeformableEncoderLayerImpl(int64_t d_model = 256, int64_t d_ffn = 1024, int64_t n_levels = 4, int64_t n_heads = 8,
                               int64_t n_points = 4);
    // src, pos (N, S, C); reference_points (N, S, L, 2); padding_mask (N, S) → (N, S, C):
    // src = norm1(src + self_attn(src + pos, …, src)); src = norm2(src + linear2(relu(linear1(src)))).
    torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& pos, const torch::Tensor& reference_points,
                          const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                          const torch::Tensor& padding_mask = {});
    MSDeformAttn self_attn{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(DeformableEncoderLayer);

}  // namespace r2::nn
