// What the image Swin and the Video Swin share (models/swin_transformer.py and
// video_swin_transformer.py): window attention with a relative position bias, the shifted-window
// mask, window partitioning and patch merging. An image is a clip of depth 1 here: with a window
// depth of 1 every 3-D formula reduces to the 2-D one (same index values, same mask), so one
// implementation serves both. Parameter names are the official ones (attn.qkv, attn.proj,
// attn.relative_position_bias_table, attn.relative_position_index; norm, reduction).
#pragma once
#include <array>

#include <torch/torch.h>

namespace r2::nn {

using Size3 = std::array<int64_t, 3>;  // (depth, height, width)

struct WindowAttentionImpl : torch::nn::Module {
    WindowAttentionImpl(int64_t dim, Size3 window, int64_t heads);
    // windows (B·nW, N, C); mask (nW, N, N) of 0 / −100, or undefined → (B·nW, N, C). N may be
    // smaller than the full window (an input smaller than the window): the bias then uses the
    // first N rows and columns of the full window's index, as the official Video Swin does.
    torch::Tensor forward(const torch::Tensor& windows, const torch::Tensor& mask);
    Size3 window;
    int64_t heads;
    torch::Tensor relative_position_bias_table, relative_position_index;
    torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(WindowAttention);

// Inference on a CPU with AVX2 + FMA runs the attention as one fused kernel per window and head
// (window_attention_avx2.cpp); tests switch it off to compare with the PyTorch-op path.
void set_window_attention_kernel_allowed(bool allowed);

// (B, D, H, W, C) → (B·nW, wd·wh·ww, C) and back; sizes must be whole windows.
torch::Tensor window_partition(const torch::Tensor& x, const Size3& window);
torch::Tensor window_reverse(const torch::Tensor& windows, const Size3& window, int64_t B, int64_t D, int64_t H, int64_t W);

// The official compute_mask for a padded (D, H, W) with window w and shift s: (nW, N, N), −100
// between positions that came from different regions of the rolled input, 0 elsewhere. Python's
// slice semantics included (a zero shift makes the last slice cover the whole axis).
torch::Tensor shifted_window_mask(int64_t D, int64_t H, int64_t W, const Size3& window, const Size3& shift, const torch::Device& device);

// Patch merging over the last two spatial axes: x (…, H, W, C) padded to even H, W, then
// cat(x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]) → norm → reduction (4C → 2C).
torch::Tensor merge_patches(const torch::Tensor& x, torch::nn::LayerNorm& norm, torch::nn::Linear& reduction);

}  // namespace r2::nn
