// Swin Transformer (image), as ReferFormer / R2-VOS use it (models/swin_transformer.py, the
// detection variant: padding to windows and patches, an output LayerNorm per stage named
// norm0..norm3, stages returned before downsampling). Parameter names equal the official ones
// (patch_embed.proj, layers.0.blocks.0.attn.qkv, layers.0.downsample.reduction, norm3, …).
#pragma once
#include <vector>

#include <torch/torch.h>

#include "model_zoo/window_attention.h"

namespace r2::nn {

struct SwinConfig {
    int64_t patch_size = 4, in_chans = 3, embed_dim = 96, window_size = 7;
    std::vector<int64_t> depths = {2, 2, 6, 2}, num_heads = {3, 6, 12, 24};
    double mlp_ratio = 4.0;
    static SwinConfig swin_t() { return {}; }
};

struct SwinBlockImpl : torch::nn::Module {
    SwinBlockImpl(int64_t dim, int64_t num_heads, int64_t window_size, int64_t shift_size, double mlp_ratio);
    torch::Tensor forward(const torch::Tensor& x, int64_t H, int64_t W, const torch::Tensor& attn_mask);
    int64_t window_size, shift_size;
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    WindowAttention attn{nullptr};  // windows of (1, w, w)
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};  // registered as mlp.fc1, mlp.fc2
};
TORCH_MODULE(SwinBlock);

struct SwinPatchMergingImpl : torch::nn::Module {
    explicit SwinPatchMergingImpl(int64_t dim);
    torch::Tensor forward(const torch::Tensor& x, int64_t H, int64_t W);  // (B, H·W, C) → (B, ⌈H/2⌉·⌈W/2⌉, 2C)
    torch::nn::Linear reduction{nullptr};
    torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(SwinPatchMerging);

struct SwinTransformerImpl : torch::nn::Module {
    explicit SwinTransformerImpl(const SwinConfig& config = SwinConfig::swin_t());
    // x (B, 3, H, W) → one (B, C_i, H_i, W_i) per stage (strides 4, 8, 16, 32 for Swin-T;
    // 96, 192, 384, 768 channels).
    std::vector<torch::Tensor> forward(const torch::Tensor& x);
    SwinConfig config;
    torch::nn::Conv2d patch_proj{nullptr};
    torch::nn::LayerNorm patch_norm{nullptr};
    std::vector<std::vector<SwinBlock>> blocks;
    std::vector<SwinPatchMerging> downsample;
    std::vector<torch::nn::LayerNorm> norms;
};
TORCH_MODULE(SwinTransformer);

}  // namespace r2::nn
