// The vision-language attention blocks of ReferFormer and R2-VOS (models/segmentation.py), with
// the official parameter names. Vision tokens are a clip's pixels of all frames, (T·H·W, B, C);
// text tokens are (L, B, C); masks are true on padding.
#pragma once
#include <tuple>

#include <torch/torch.h>

#include "model_zoo/layers.h"

namespace r2::nn {

// Early fusion before the encoder: vision · attention(vision → text). Multiplicative, with no
// residual or norm (`fusion_module.multihead_attn`).
struct VisionLanguageFusionImpl : torch::nn::Module {
    VisionLanguageFusionImpl(int64_t d_model, int64_t nhead);
    torch::Tensor forward(const torch::Tensor& vision, const torch::Tensor& text, const torch::Tensor& text_mask,
                          const torch::Tensor& text_pos);
    MultiheadAttention multihead_attn{nullptr};
};
TORCH_MODULE(VisionLanguageFusion);

// ReferFormer's VisionLanguageBlock (post-norm): self-attention over the clip's pixels, computed on
// a grid shrunk by sr_ratio (nearest) and brought back bilinearly; then cross-attention to the
// text; then the FFN. Keys: self_attn, multihead_attn, linear1, linear2, norm1..3.
struct VisionLanguageBlockImpl : torch::nn::Module {
    VisionLanguageBlockImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward, int64_t sr_ratio);
    // vision (T·H·W, B, C) with pos vision_pos; text (L, B, C) with text_pos → (T·H·W, B, C).
    torch::Tensor forward(torch::Tensor vision, const torch::Tensor& text, int64_t T, int64_t H, int64_t W,
                          const torch::Tensor& vision_mask, const torch::Tensor& text_mask, const torch::Tensor& text_pos,
                          const torch::Tensor& vision_pos);
    int64_t sr_ratio;
    MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(VisionLanguageBlock);

// R2-VOS's DualVisionLanguageBlock: vision self-attention, then vision ← text (l2v) and text ←
// vision (v2l) in parallel, each with its FFN; returns the updated (vision, text).
struct DualVisionLanguageBlockImpl : torch::nn::Module {
    DualVisionLanguageBlockImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward);
    std::tuple<torch::Tensor, torch::Tensor> forward(torch::Tensor vision, torch::Tensor text, const torch::Tensor& vision_mask,
                                                     const torch::Tensor& text_mask, const torch::Tensor& text_pos,
                                                     const torch::Tensor& vision_pos);
    int64_t d_model;
    MultiheadAttention v2v_attn{nullptr}, l2v_attn{nullptr}, v2l_attn{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr}, proj_l_q{nullptr}, proj_v_kv{nullptr}, linear_v2l_1{nullptr},
        linear_v2l_2{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr}, norm_v2l_1{nullptr}, norm_v2l_2{nullptr};
};
TORCH_MODULE(DualVisionLanguageBlock);

}  // namespace r2::nn
