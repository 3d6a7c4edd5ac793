#include "model_zoo/swin.h"
#include "model_zoo/module_group.h"

namespace r2::nn {

namespace F = torch::nn::functional;
using torch::indexing::Slice;
using torch::indexing::None;

namespace {


// (B, H, W, C) → (nW·B, w, w, C) and back.
torch::Tensor window_partition(const torch::Tensor& x, int64_t w) {
    const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
    return x.view({B, H / w, w, W / w, w, C}).permute({0, 1, 3, 2, 4, 5}).contiguous().view({-1, w, w, C});
}

torch::Tensor window_reverse(const torch::Tensor& windows, int64_t w, int64_t H, int64_t W) {
    const int64_t B = windows.size(0) / (H * W / w / w);
    return windows.view({B, H / w, W / w, w, w, -1}).permute({0, 1, 3, 2, 4, 5}).contiguous().view({B, H, W, -1});
}

}  // namespace

torch::Tensor swin_shift_mask(int64_t Hp, int64_t Wp, int64_t w, int64_t shift, const torch::Device& device) {
    auto img = torch::zeros({1, Hp, Wp, 1});
    const Slice slices[3] = {Slice(0, -w), Slice(-w, -shift), Slice(-shift, None)};
    int64_t count = 0;
    for (const auto& h : slices)
        for (const auto& v : slices) img.index_put_({Slice(), h, v, Slice()}, double(count++));
    const auto windows = window_partition(img, w).view({-1, w * w});
    auto mask = windows.unsqueeze(1) - windows.unsqueeze(2);
    return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0).to(device);
}

SwinWindowAttentionImpl::SwinWindowAttentionImpl(int64_t dim, int64_t w, int64_t heads) : window_size(w), num_heads(heads) {
    relative_position_bias_table = register_parameter("relative_position_bias_table", torch::zeros({(2 * w - 1) * (2 * w - 1), heads}));
    // Index of (Δy, Δx) between every two positions of a window, as the official code builds it.
    const auto coords = torch::stack(torch::meshgrid({torch::arange(w), torch::arange(w)}, "ij")).flatten(1);  // (2, w²)
    auto relative = (coords.unsqueeze(2) - coords.unsqueeze(1)).permute({1, 2, 0}).contiguous();           // (w², w², 2)
    relative.select(2, 0).add_(w - 1).mul_(2 * w - 1);
    relative.select(2, 1).add_(w - 1);
    relative_position_index = register_buffer("relative_position_index", relative.sum(-1));
    qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor SwinWindowAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
    const int64_t B_ = x.size(0), N = x.size(1), C = x.size(2);
    const auto parts = qkv(x).reshape({B_, N, 3, num_heads, C / num_heads}).permute({2, 0, 3, 1, 4});
    const auto q = parts[0] * std::pow(double(C / num_heads), -0.5), k = parts[1], v = parts[2];
    auto attn = torch::matmul(q, k.transpose(-2, -1));
    const auto bias = relative_position_bias_table.index({relative_position_index.view(-1)}).view({N, N, -1}).permute({2, 0, 1});
    attn = attn + bias.unsqueeze(0);
    if (mask.defined()) {
        const int64_t nW = mask.size(0);
        attn = (attn.view({B_ / nW, nW, num_heads, N, N}) + mask.unsqueeze(1).unsqueeze(0)).view({-1, num_heads, N, N});
    }
    return proj(torch::matmul(attn.softmax(-1), v).transpose(1, 2).reshape({B_, N, C}));
}

SwinBlockImpl::SwinBlockImpl(int64_t dim, int64_t heads, int64_t w, int64_t shift, double mlp_ratio) : window_size(w), shift_size(shift) {
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    attn = register_module("attn", SwinWindowAttention(dim, w, heads));
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
    auto windows = attn(window_partition(y, w).view({-1, w * w, C}), shift_size > 0 ? attn_mask : torch::Tensor());
    y = window_reverse(windows.view({-1, w, w, C}), w, Hp, Wp);
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
    auto y = x.view({B, H, W, C});
    if (H % 2 == 1 || W % 2 == 1) y = F::pad(y, F::PadFuncOptions({0, 0, 0, W % 2, 0, H % 2}));
    const auto x0 = y.index({Slice(), Slice(0, None, 2), Slice(0, None, 2)}), x1 = y.index({Slice(), Slice(1, None, 2), Slice(0, None, 2)});
    const auto x2 = y.index({Slice(), Slice(0, None, 2), Slice(1, None, 2)}), x3 = y.index({Slice(), Slice(1, None, 2), Slice(1, None, 2)});
    return reduction(norm(torch::cat({x0, x1, x2, x3}, -1).view({B, -1, 4 * C})));
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
        const auto mask = swin_shift_mask(Hp, Wp, w, w / 2, x.device());
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
