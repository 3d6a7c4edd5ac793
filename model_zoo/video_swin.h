// Video Swin Transformer as ReferFormer / R2-VOS / MTTR wrap it (VideoSwinTransformerBackbone in
// models/video_swin_transformer.py): patches of (1, 4, 4) so time is never downsampled, 3-D
// windows (8, 7, 7) shrunk to the input where it is smaller (and then not shifted), stage outputs
// taken before downsampling, patch merging in `downsamples.{0,1,2}`, no output norms. Parameter
// names equal the official ones.
#pragma once
#include <array>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/window_attention.h"

namespace r2::nn {

struct VideoSwinConfig {
    std::array<int64_t, 3> patch_size = {1, 4, 4}, window_size = {8, 7, 7};
    int64_t in_chans = 3, embed_dim = 96;
    std::vector<int64_t> depths = {2, 2, 6, 2}, num_heads = {3, 6, 12, 24};
    double mlp_ratio = 4.0;
    static VideoSwinConfig video_swin_t() { return {}; }
    static VideoSwinConfig video_swin_t_3stage() {  // MTTR: stages 1-3, `downsamples.{0,1}`
        VideoSwinConfig c;
        c.depths = {2, 2, 6}, c.num_heads = {3, 6, 12};
        return c;
    }
};

struct VideoSwinBlockImpl : torch::nn::Module {
    VideoSwinBlockImpl(int64_t dim, int64_t heads, std::array<int64_t, 3> window, std::array<int64_t, 3> shift, double mlp_ratio);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);  // x (B, D, H, W, C)
    std::array<int64_t, 3> window, shift;
    int64_t heads;
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    WindowAttention attn{nullptr};
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};  // mlp.*
};
TORCH_MODULE(VideoSwinBlock);

struct VideoSwinTransformerImpl : torch::nn::Module {
    explicit VideoSwinTransformerImpl(const VideoSwinConfig& config = VideoSwinConfig::video_swin_t());
    // samples ((B·T), 3, H, W), frames of each clip consecutive → per stage ((B·T), C_i, H_i, W_i).
    std::vector<torch::Tensor> forward(const torch::Tensor& samples, int64_t num_frames);
    VideoSwinConfig config;
    torch::nn::Conv3d patch_proj{nullptr};
    torch::nn::LayerNorm patch_norm{nullptr};
    std::vector<std::vector<VideoSwinBlock>> blocks;
    std::vector<torch::nn::LayerNorm> merge_norm;
    std::vector<torch::nn::Linear> merge_reduction;
};
TORCH_MODULE(VideoSwinTransformer);

}  // namespace r2::nn
