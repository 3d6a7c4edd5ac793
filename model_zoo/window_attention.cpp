#include "model_zoo/window_attention.h"

#include <atomic>
#include <cmath>

#include "model_zoo/cpu_features.h"

namespace r2::nn {

#if defined(__x86_64__) && defined(R2BENCH_MSDA_AVX2)
void window_attention_avx2(const float* qkv, const float* bias, const float* mask, float* out, int64_t B_, int64_t N, int64_t heads,
                           int64_t d, int64_t nW, float scale);
#endif

static std::atomic<bool> g_allow_kernel{true};
void set_window_attention_kernel_allowed(bool allowed) { g_allow_kernel = allowed; }

namespace F = torch::nn::functional;
using torch::indexing::None;
using torch::indexing::Slice;

WindowAttentionImpl::WindowAttentionImpl(int64_t dim, Size3 window_, int64_t heads_) : window(window_), heads(heads_) {
    const int64_t d = 2 * window[0] - 1, h = 2 * window[1] - 1, w = 2 * window[2] - 1;
    relative_position_bias_table = register_parameter("relative_position_bias_table", torch::zeros({d * h * w, heads}));
    // Index of (Δd, Δy, Δx) between every two positions of a window, as the official code builds it.
    const auto coords =
        torch::stack(torch::meshgrid({torch::arange(window[0]), torch::arange(window[1]), torch::arange(window[2])}, "ij")).flatten(1);
    auto rel = (coords.unsqueeze(2) - coords.unsqueeze(1)).permute({1, 2, 0}).contiguous();  // (N, N, 3)
    for (int i = 0; i < 3; ++i) rel.select(2, i).add_(window[size_t(i)] - 1);
    rel.select(2, 0).mul_(h * w);
    rel.select(2, 1).mul_(w);
    relative_position_index = register_buffer("relative_position_index", rel.sum(-1));
    qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& windows, const torch::Tensor& mask) {
    const int64_t B_ = windows.size(0), N = windows.size(1), C = windows.size(2), d = C / heads;
    const double scale = std::pow(double(d), -0.5);
    const auto projected = qkv(windows);  // (B_, N, 3C): q, k, v, each heads × d
    const auto index = relative_position_index.index({Slice(None, N), Slice(None, N)}).reshape(-1);
    const auto bias = relative_position_bias_table.index({index}).reshape({N, N, -1}).permute({2, 0, 1});  // (heads, N, N)
#if defined(__x86_64__) && defined(R2BENCH_MSDA_AVX2)
    // The kernel has no backward: training takes the PyTorch-op path below.
    const bool inference = !torch::GradMode::is_enabled() || (!projected.requires_grad() && !relative_position_bias_table.requires_grad());
    if (g_allow_kernel && inference && cpu_has_avx2_fma() && projected.device().is_cpu() && projected.scalar_type() == torch::kFloat32 &&
        d % 8 == 0) {
        const auto qkv_rows = projected.contiguous();
        const auto bias_rows = bias.contiguous();
        const auto mask_rows = mask.defined() ? mask.to(torch::kFloat32).contiguous() : torch::Tensor();
        auto out = torch::empty({B_, N, C}, projected.options());
        window_attention_avx2(qkv_rows.data_ptr<float>(), bias_rows.data_ptr<float>(), mask_rows.defined() ? mask_rows.data_ptr<float>() : nullptr,
                              out.data_ptr<float>(), B_, N, heads, d, mask_rows.defined() ? mask_rows.size(0) : 1, float(scale));
        return proj(out);
    }
#endif
    const auto parts = projected.reshape({B_, N, 3, heads, d}).permute({2, 0, 3, 1, 4});
    auto attn = torch::matmul(parts[0] * scale, parts[1].transpose(-2, -1));  // (B_, heads, N, N)
    // The bias and the shift mask are added in place: the scores are the largest tensors here.
    attn.add_(bias.unsqueeze(0));
    if (mask.defined()) {
        const int64_t nW = mask.size(0);
        attn.view({B_ / nW, nW, heads, N, N}).add_(mask.unsqueeze(1).unsqueeze(0));
    }
    return proj(torch::matmul(attn.softmax(-1), parts[2]).transpose(1, 2).reshape({B_, N, C}));
}

torch::Tensor window_partition(const torch::Tensor& x, const Size3& w) {
    const int64_t B = x.size(0), D = x.size(1), H = x.size(2), W = x.size(3), C = x.size(4);
    return x.view({B, D / w[0], w[0], H / w[1], w[1], W / w[2], w[2], C})
        .permute({0, 1, 3, 5, 2, 4, 6, 7})
        .contiguous()
        .view({-1, w[0] * w[1] * w[2], C});
}

torch::Tensor window_reverse(const torch::Tensor& windows, const Size3& w, int64_t B, int64_t D, int64_t H, int64_t W) {
    return windows.view({B, D / w[0], H / w[1], W / w[2], w[0], w[1], w[2], -1})
        .permute({0, 1, 4, 2, 5, 3, 6, 7})
        .contiguous()
        .view({B, D, H, W, -1});
}

torch::Tensor shifted_window_mask(int64_t D, int64_t H, int64_t W, const Size3& w, const Size3& s, const torch::Device& device) {
    auto img = torch::zeros({1, D, H, W, 1});
    auto slices = [](int64_t wi, int64_t si) { return std::array<Slice, 3>{Slice(None, -wi), Slice(-wi, -si), Slice(-si, None)}; };
    int64_t count = 0;
    for (const auto& d : slices(w[0], s[0]))
        for (const auto& h : slices(w[1], s[1]))
            for (const auto& v : slices(w[2], s[2])) img.index_put_({Slice(), d, h, v, Slice()}, double(count++));
    const auto windows = window_partition(img, w).squeeze(-1);
    auto mask = windows.unsqueeze(1) - windows.unsqueeze(2);
    return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0).to(device);
}

torch::Tensor merge_patches(const torch::Tensor& x, torch::nn::LayerNorm& norm, torch::nn::Linear& reduction) {
    const int64_t H = x.size(-3), W = x.size(-2);
    auto y = x;
    if (H % 2 == 1 || W % 2 == 1) y = F::pad(y, F::PadFuncOptions({0, 0, 0, W % 2, 0, H % 2}));
    auto pick = [&](int64_t r, int64_t c) { return y.index({"...", Slice(r, None, 2), Slice(c, None, 2), Slice()}); };
    return reduction(norm(torch::cat({pick(0, 0), pick(1, 0), pick(0, 1), pick(1, 1)}, -1)));
}

}  // namespace r2::nn
