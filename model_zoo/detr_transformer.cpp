#include "model_zoo/detr_transformer.h"

namespace r2::nn {

namespace {
torch::nn::LayerNorm layer_norm(int64_t d) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})); }
}  // namespace

DetrEncoderLayerImpl::DetrEncoderLayerImpl(int64_t d_model, int64_t nheads, int64_t dim_feedforward) {
    self_attn = register_module("self_attn", MultiheadAttention(d_model, nheads));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, dim_feedforward));
    linear2 = register_module("linear2", torch::nn::Linear(dim_feedforward, d_model));
    norm1 = register_module("norm1", layer_norm(d_model));
    norm2 = register_module("norm2", layer_norm(d_model));
}

torch::Tensor DetrEncoderLayerImpl::forward(torch::Tensor src, const torch::Tensor& pos, const torch::Tensor& key_padding_mask) {
    const auto q = src + pos;
    src = norm1(src + self_attn->forward(q, q, src, key_padding_mask));
    return norm2(src + linear2(linear1(src).relu_()));
}

DetrDecoderLayerImpl::DetrDecoderLayerImpl(int64_t d_model, int64_t nheads, int64_t dim_feedforward) {
    self_attn = register_module("self_attn", MultiheadAttention(d_model, nheads));
    multihead_attn = register_module("multihead_attn", MultiheadAttention(d_model, nheads));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, dim_feedforward));
    linear2 = register_module("linear2", torch::nn::Linear(dim_feedforward, d_model));
    norm1 = register_module("norm1", layer_norm(d_model));
    norm2 = register_module("norm2", layer_norm(d_model));
    norm3 = register_module("norm3", layer_norm(d_model));
}

torch::Tensor DetrDecoderLayerImpl::forward(torch::Tensor tgt, const torch::Tensor& query_pos, const torch::Tensor& memory,
                                            const torch::Tensor& pos, const torch::Tensor& memory_key_padding_mask) {
    const auto q = tgt + query_pos;
    tgt = norm1(tgt + self_attn->forward(q, q, tgt));
    tgt = norm2(tgt + multihead_attn->forward(tgt + query_pos, memory + pos, memory, memory_key_padding_mask));
    return norm3(tgt + linear2(linear1(tgt).relu_()));
}

}  // namespace r2::nn
