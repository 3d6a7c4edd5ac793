#include "model_zoo/video_swin.h"
#include "model_zoo/module_group.h"

#include <cmath>

namespace r2::nn {

namespace F = torch::nn::functional;
using torch::indexing::None;
using torch::indexing::Slice;

namespace {

// Windows no larger than the input; where the input is smaller, the window covers it and does not shift.
std::pair<Size3, Size3> effective_window(const Size3& input, const Size3& window, const Size3& shift) {
    Size3 w = window, s = shift;
    for (int i = 0; i < 3; ++i)
        if (input[size_t(i)] <= window[size_t(i)]) w[size_t(i)] = input[size_t(i)], s[size_t(i)] = 0;
    return {w, s};
}

}  // namespace

VideoSwinBlockImpl::VideoSwinBlockImpl(int64_t dim, int64_t heads_, Size3 window_, Size3 shift_, double mlp_ratio)
    : window(window_), shift(shift_), heads(heads_) {
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    attn = register_module("attn", WindowAttention(dim, window, heads));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    auto mlp = register_module("mlp", std::make_shared<Group>());
    fc1 = mlp->register_module("fc1", torch::nn::Linear(dim, int64_t(double(dim) * mlp_ratio)));
    fc2 = mlp->register_module("fc2", torch::nn::Linear(int64_t(double(dim) * mlp_ratio), dim));
}

torch::Tensor VideoSwinBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
    const int64_t B = x.size(0), D = x.size(1), H = x.size(2), W = x.size(3), C = x.size(4);
    const auto [w, s] = effective_window({D, H, W}, window, shift);
    auto y = norm1(x);
    const int64_t pd = (w[0] - D % w[0]) % w[0], pb = (w[1] - H % w[1]) % w[1], pr = (w[2] - W % w[2]) % w[2];
    const bool padded = pd > 0 || pb > 0 || pr > 0;
    if (padded) y = F::pad(y, F::PadFuncOptions({0, 0, 0, pr, 0, pb, 0, pd}));
    const int64_t Dp = y.size(1), Hp = y.size(2), Wp = y.size(3);
    const bool shifted = s[0] > 0 || s[1] > 0 || s[2] > 0;
    if (shifted) y = torch::roll(y, {-s[0], -s[1], -s[2]}, {1, 2, 3});
    const auto windows = attn(window_partition(y, w), shifted ? mask : torch::Tensor());
    y = window_reverse(windows, w, B, Dp, Hp, Wp);
    if (shifted) y = torch::roll(y, {s[0], s[1], s[2]}, {1, 2, 3});
    if (padded) y = y.index({Slice(), Slice(None, D), Slice(None, H), Slice(None, W), Slice()});  // the sum below copies
    const auto z = x + y;
    return z + fc2(torch::gelu(fc1(norm2(z))));
}

VideoSwinTransformerImpl::VideoSwinTransformerImpl(const VideoSwinConfig& c) : config(c) {
    auto patch_embed = register_module("patch_embed", std::make_shared<Group>());
    patch_proj = patch_embed->register_module(
        "proj", torch::nn::Conv3d(torch::nn::Conv3dOptions(c.in_chans, c.embed_dim, {c.patch_size[0], c.patch_size[1], c.patch_size[2]})
                                      .stride({c.patch_size[0], c.patch_size[1], c.patch_size[2]})));
    patch_norm = patch_embed->register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
    auto layers = register_module("layers", std::make_shared<Group>());
    auto downsamples = register_module("downsamples", std::make_shared<Group>());
    const Size3 shift = {c.window_size[0] / 2, c.window_size[1] / 2, c.window_size[2] / 2};
    for (size_t i = 0; i < c.depths.size(); ++i) {
        const int64_t dim = c.embed_dim << i;
        auto list = layers->register_module(std::to_string(i), std::make_shared<Group>())->register_module("blocks", std::make_shared<Group>());
        blocks.emplace_back();
        for (int64_t j = 0; j < c.depths[i]; ++j)
            blocks.back().push_back(list->register_module(
                std::to_string(j), VideoSwinBlock(dim, c.num_heads[i], c.window_size, j % 2 ? shift : Size3{0, 0, 0}, c.mlp_ratio)));
        if (i + 1 < c.depths.size()) {
            auto merge = downsamples->register_module(std::to_string(i), std::make_shared<Group>());
            merge_reduction.push_back(merge->register_module("reduction", torch::nn::Linear(torch::nn::LinearOptions(4 * dim, 2 * dim).bias(false))));
            merge_norm.push_back(merge->register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4 * dim}))));
        }
    }
}

std::vector<torch::Tensor> VideoSwinTransformerImpl::forward(const torch::Tensor& samples, int64_t T) {
    const int64_t n = samples.size(0), B = n / T;
    // '(b t) c h w -> b c t h w', padded to whole patches.
    auto x = samples.view({B, T, samples.size(1), samples.size(2), samples.size(3)}).permute({0, 2, 1, 3, 4});
    const auto& p = config.patch_size;
    if (x.size(4) % p[2]) x = F::pad(x, F::PadFuncOptions({0, p[2] - x.size(4) % p[2]}));
    if (x.size(3) % p[1]) x = F::pad(x, F::PadFuncOptions({0, 0, 0, p[1] - x.size(3) % p[1]}));
    if (x.size(2) % p[0]) x = F::pad(x, F::PadFuncOptions({0, 0, 0, 0, 0, p[0] - x.size(2) % p[0]}));
    x = patch_proj(x);  // (B, C, D, H, W)
    const int64_t D = x.size(2);
    x = patch_norm(x.flatten(2).transpose(1, 2)).transpose(1, 2).view({B, config.embed_dim, D, x.size(3), x.size(4)});
    x = x.permute({0, 2, 3, 4, 1}).contiguous();  // (B, D, H, W, C)
    std::vector<torch::Tensor> outs;
    const Size3 shift = {config.window_size[0] / 2, config.window_size[1] / 2, config.window_size[2] / 2};
    for (size_t i = 0; i < blocks.size(); ++i) {
        const int64_t H = x.size(2), W = x.size(3);
        const auto [w, s] = effective_window({D, H, W}, config.window_size, shift);
        const int64_t Dp = (D + w[0] - 1) / w[0] * w[0], Hp = (H + w[1] - 1) / w[1] * w[1], Wp = (W + w[2] - 1) / w[2] * w[2];
        const auto mask = shifted_window_mask(Dp, Hp, Wp, w, s, x.device());
        for (auto& block : blocks[i]) x = block->forward(x, mask);
        // 'b t h w c -> (b t) c h w'
        outs.push_back(x.permute({0, 1, 4, 2, 3}).reshape({n, x.size(4), H, W}).contiguous());
        if (i < merge_norm.size()) x = merge_patches(x, merge_norm[i], merge_reduction[i]);
    }
    return outs;
}

}  // namespace r2::nn
