// Deformable DETR's decoder layer as ReferFormer / R2-VOS use it (post-norm, ReLU), with the
// official key names: self_attn (torch MultiheadAttention), norm2, cross_attn (MSDeformAttn),
// norm1, linear1, linear2, norm3. Order: self-attention → norm2, cross-attention → norm1, FFN → norm3.
#pragma once
#include <torch/torch.h>

#include "model_zoo/layers.h"
#include "model_zoo/msdeform_attn.h"

namespace r2::nn {

struct DeformableDecoderLayerImpl : torch::nn::Module {
    DeformableDecoderLayerImpl(int64_t d_model, int64_t d_ffn, int64_t n_levels, int64_t n_heads, int64_t n_points);
    // tgt, query_pos (N, Q, C); reference_points (N, Q, L, 2 or 4); src (N, S, C) → (N, Q, C).
    torch::Tensor forward(torch::Tensor tgt, const torch::Tensor& query_pos, const torch::Tensor& reference_points, const torch::Tensor& src,
                          const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                          const torch::Tensor& padding_mask = {});
    MSDeformAttn cross_attn{nullptr};
    MultiheadAttention self_attn{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(DeformableDecoderLayer);

}  // namespace r2::nn
