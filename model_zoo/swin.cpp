#include "model_zoo/swin.h"
#include "model_zoo/module_group.h"

namespace r2::nn {

namespace F = torch::nn::functional;
using torch::indexing::Slice;
using torch::indexing::None;

SwinBlockImpl::SwinBlockImpl(int64_t dim, int64_t heads, int64_t w, int64_t shift, double mlp_ratio) : window_size(w), shift_size(shift) {
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    attn = register_module("attn", WindowAttention(dim, Size3{1, w, w}, heads));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    auto mlp = register_module("mlp", std::make_shared<Group>());
    fc1 = mlp->register_module("fc1", torch::nn::Linear(dim, int64_t(double(dim) * mlp_ratio)));
    fc2 = mlp->register_module("fc2", torch::nn::Linear(int64_t(double(dim) * mlp_ratio), dim));
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& x, int64_t H, int64_t W, const torch::Tensor& attn_mask) {
    const int64_t B = x.size(0), C = x.size(2), w = window_size;
    auto y = norm1(x).view({B, H, W, C});
    const int64_t pad_r = (w - W % w) % w, pad_b = (w - H % w) % w;  // pad right and bottom to whole windows
    y = F::pad(y, F::PadFuncOptions({0, 0, 0, pad_r, 0, pad_b}));
    const int64_t Hp = y.size(1), Wp = y.size(2);
    if (shift_size > 0) y = torch::roll(y, {-shift_size, -shift_size}, {1, 2});
    // An image is a clip of depth 1 for the shared window code.
    const Size3 window = {1, w, w};
    auto windows = attn(window_partition(y.unsqueeze(1), window), shift_size > 0 ? attn_mask : torch::Tensor());
    y = window_reverse(windows, window, B, 1, Hp, Wp).squeeze(1);
    if (shift_size > 0) y = torch::roll(y, {shift_size, shift_size}, {1, 2});
    y = y.index({Slice(), Slice(None, H), Slice(None, W), Slice()}).contiguous().view({B, H * W, C});
    const auto z = x + y;
    return z + fc2(torch::gelu(fc1(norm2(z))));
}

SwinPatchMergingImpl::SwinPatchMergingImpl(int64_t dim) {
    reduction = register_module("reduction", torch::nn::Linear(torch::nn::LinearOptions(4 * dim, 2 * dim).bias(false)));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4 * dim})));
}

torch::Tensor SwinPatchMergingImpl::forward(const torch::Tensor& x, int64_t H, int64_t W) {
    const int64_t B = x.size(0), C = x.size(2);
    return merge_patches(x.view({B, H, W, C}), norm, reduction).reshape({B, -1, 2 * C});
}

SwinTransformerImpl::SwinTransformerImpl(const SwinConfig& c) : config(c) {
    auto patch_embed = register_module("patch_embed", std::make_shared<Group>());
    patch_proj = patch_embed->register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in_chans, c.embed_dim, c.patch_size).stride(c.patch_size)));
    patch_norm = patch_embed->register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
    auto layers = register_module("layers", std::make_shared<Group>());
    const size_t stages = c.depths.size();
    for (size_t i = 0; i < stages; ++i) {
        const int64_t dim = c.embed_dim << i;
        auto layer = layers->register_module(std::to_string(i), std::make_shared<Group>());
        auto list = layer->register_module("blocks", std::make_shared<Group>());
        blocks.emplace_back();
        for (int64_t j = 0; j < c.depths[i]; ++j)
            blocks.back().push_back(list->register_module(
                std::to_string(j), SwinBlock(dim, c.num_heads[i], c.window_size, j % 2 ? c.window_size / 2 : 0, c.mlp_ratio)));
        if (i + 1 < stages) downsample.push_back(layer->register_module("downsample", SwinPatchMerging(dim)));
    }
    for (size_t i = 0; i < stages; ++i)
        norms.push_back(register_module("norm" + std::to_string(i), torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim << i}))));
}

std::vector<torch::Tensor> SwinTransformerImpl::forward(const torch::Tensor& input) {
    const int64_t p = config.patch_size, w = config.window_size;
    auto x = input;
    if (x.size(3) % p) x = F::pad(x, F::PadFuncOptions({0, p - x.size(3) % p}));
    if (x.size(2) % p) x = F::pad(x, F::PadFuncOptions({0, 0, 0, p - x.size(2) % p}));
    x = patch_proj(x);
    int64_t H = x.size(2), W = x.size(3);
    x = patch_norm(x.flatten(2).transpose(1, 2));  // (B, H·W, C)
    std::vector<torch::Tensor> outs;
    for (size_t i = 0; i < blocks.size(); ++i) {
        const int64_t Hp = (H + w - 1) / w * w, Wp = (W + w - 1) / w * w;
        const auto mask = shifted_window_mask(1, Hp, Wp, {1, w, w}, {0, w / 2, w / 2}, x.device());
        for (auto& block : blocks[i]) x = block->forward(x, H, W, mask);
        outs.push_back(norms[i](x).view({-1, H, W, config.embed_dim << i}).permute({0, 3, 1, 2}).contiguous());
        if (i < downsample.size()) {
            x = downsample[i]->forward(x, H, W);
            H = (H + 1) / 2, W = (W + 1) / 2;
        }
    }
    return outs;
}

}  // namespace r2::nn
