#include "model_zoo/deformable_decoder.h"

namespace r2::nn {

DeformableDecoderLayerImpl::DeformableDecoderLayerImpl(int64_t d_model, int64_t d_ffn, int64_t n_levels, int64_t n_heads, int64_t n_points) {
    cross_attn = register_module("cross_attn", MSDeformAttn(d_model, n_levels, n_heads, n_points));
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    self_attn = register_module("self_attn", MultiheadAttention(d_model, n_heads));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, d_ffn));
    linear2 = register_module("linear2", torch::nn::Linear(d_ffn, d_model));
    norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
}

torch::Tensor DeformableDecoderLayerImpl::forward(torch::Tensor tgt, const torch::Tensor& query_pos, const torch::Tensor& reference_points,
                                                  const torch::Tensor& src, const torch::Tensor& spatial_shapes,
                                                  const torch::Tensor& level_start_index, const torch::Tensor& padding_mask) {
    // Self-attention among the queries of each frame (sequence-first for MultiheadAttention).
    const auto qk = (tgt + query_pos).transpose(0, 1);
    tgt = norm2(tgt + self_attn->forward(qk, qk, tgt.transpose(0, 1)).transpose(0, 1));
    tgt = norm1(tgt + cross_attn->forward(tgt + query_pos, reference_points, src, spatial_shapes, level_start_index, padding_mask));
    return norm3(tgt + linear2(linear1(tgt).relu_()));
}

}  // namespace r2::nn
