// DETR's transformer layers (facebookresearch/detr models/transformer.py, post-norm, ReLU), as
// MTTR's multimodal transformer uses them: positional embeddings are added to the queries and
// keys of every attention, never to the values. Parameter names are the official ones
// (self_attn, multihead_attn, linear1, linear2, norm1..3). Sequence-first: (L, N, C).
#pragma once
#include <torch/torch.h>

#include "model_zoo/layers.h"

namespace r2::nn {

struct DetrEncoderLayerImpl : torch::nn::Module {
    DetrEncoderLayerImpl(int64_t d_model, int64_t nheads, int64_t dim_feedforward);
    // src, pos (L, N, C); key_padding_mask (N, L) true where a token is padding.
    torch::Tensor forward(torch::Tensor src, const torch::Tensor& pos, const torch::Tensor& key_padding_mask);
    MultiheadAttention self_attn{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(DetrEncoderLayer);

struct DetrDecoderLayerImpl : torch::nn::Module {
    DetrDecoderLayerImpl(int64_t d_model, int64_t nheads, int64_t dim_feedforward);
    // tgt, query_pos (Q, N, C); memory, pos (L, N, C); memory_key_padding_mask (N, L).
    torch::Tensor forward(torch::Tensor tgt, const torch::Tensor& query_pos, const torch::Tensor& memory, const torch::Tensor& pos,
                          const torch::Tensor& memory_key_padding_mask);
    MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(DetrDecoderLayer);

}  // namespace r2::nn
