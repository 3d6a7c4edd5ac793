#include "model_zoo/layers.h"

#include <cmath>

namespace r2::nn {

namespace {
// Scores of at most this many elements are held at once: the spatio-temporal attention of a long
// clip would otherwise need gigabytes for (heads, Lq, Lk). Softmax runs over keys, so splitting
// the queries into chunks gives the same result.
constexpr int64_t kMaxScoreElements = int64_t(1) << 26;
}  // namespace

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t embed_dim_, int64_t num_heads_) : embed_dim(embed_dim_), num_heads(num_heads_) {
    TORCH_CHECK(embed_dim % num_heads == 0, "embed_dim must be divisible by num_heads");
    in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * embed_dim, embed_dim}));
    in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * embed_dim}));
    out_proj = register_module("out_proj", torch::nn::Linear(embed_dim, embed_dim));
    torch::nn::init::xavier_uniform_(in_proj_weight);
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key, const torch::Tensor& value,
                                              const torch::Tensor& key_padding_mask, const torch::Tensor& attn_mask) {
    const int64_t Lq = query.size(0), N = query.size(1), Lk = key.size(0), C = embed_dim, H = num_heads, D = C / H;
    const auto w = in_proj_weight.chunk(3, 0);
    const auto b = in_proj_bias.chunk(3, 0);
    // (L, N, C) → (N·H, L, D), as PyTorch's multi_head_attention_forward lays the heads out.
    auto heads = [&](const torch::Tensor& x, int i, int64_t L) {
        return torch::nn::functional::linear(x, w[i], b[i]).reshape({L, N * H, D}).transpose(0, 1);
    };
    const auto q = heads(query, 0, Lq) * (1.0 / std::sqrt(double(D)));
    const auto k = heads(key, 1, Lk).transpose(1, 2);  // (N·H, D, Lk)
    const auto v = heads(value, 2, Lk);
    torch::Tensor blocked;  // (N·H or 1, Lq or 1, Lk), true where a score is dropped
    // A padding mask that pads nothing (one sentence, one clip) would only cost a pass over the scores.
    if (key_padding_mask.defined() && key_padding_mask.any().item<bool>())
        blocked = key_padding_mask.view({N, 1, 1, Lk}).expand({N, H, 1, Lk}).reshape({N * H, 1, Lk});
    if (attn_mask.defined()) {
        const auto m = attn_mask.to(torch::kBool).unsqueeze(0);
        blocked = blocked.defined() ? (blocked | m) : m;
    }
    const int64_t chunk = std::max<int64_t>(1, kMaxScoreElements / std::max<int64_t>(1, N * H * Lk));
    std::vector<torch::Tensor> outputs;
    for (int64_t start = 0; start < Lq; start += chunk) {
        const int64_t end = std::min(Lq, start + chunk);
        auto scores = torch::bmm(q.slice(1, start, end), k);  // (N·H, lq, Lk)
        if (blocked.defined()) {
            const auto bm = blocked.size(1) == 1 ? blocked : blocked.slice(1, start, end);
            scores.masked_fill_(bm, -std::numeric_limits<float>::infinity());
        }
        outputs.push_back(torch::bmm(scores.softmax(-1), v));  // (N·H, lq, D)
    }
    const auto out = (outputs.size() == 1 ? outputs[0] : torch::cat(outputs, 1)).transpose(0, 1).reshape({Lq, N, C});
    return out_proj(out);
}

MLPImpl::MLPImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < num_layers; ++i) {
        const int64_t in = i == 0 ? input_dim : hidden_dim, out = i == num_layers - 1 ? output_dim : hidden_dim;
        linears.push_back(torch::nn::Linear(in, out));
        layers->push_back(linears.back());
    }
}

torch::Tensor MLPImpl::forward(torch::Tensor x) {
    for (size_t i = 0; i < linears.size(); ++i) {
        x = linears[i](x);
        if (i + 1 < linears.size()) x = torch::relu_(x);  // in place: x is this layer's own output
    }
    return x;
}

FeatureResizerImpl::FeatureResizerImpl(int64_t input_size, int64_t output_size) {
    fc = register_module("fc", torch::nn::Linear(input_size, output_size));
    layer_norm = register_module("layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({output_size}).eps(1e-12)));
}

Conv2dNormImpl::Conv2dNormImpl(const Conv2dNormOptions& o) : options(o) {
    weight = register_parameter("weight", torch::empty({o.out_channels, o.in_channels, o.kernel_size, o.kernel_size}));
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (o.bias) bias = register_parameter("bias", torch::zeros({o.out_channels}));
    if (o.group_norm > 0) norm = register_module("norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.group_norm, o.out_channels)));
}

torch::Tensor Conv2dNormImpl::forward(const torch::Tensor& x) {
    auto y = torch::conv2d(x, weight, bias, options.stride, options.padding);
    if (norm) y = norm(y);
    if (options.relu) y = torch::relu_(y);
    return y;
}

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward) {
    self_attn = register_module("self_attn", MultiheadAttention(d_model, nhead));
    multihead_attn = register_module("multihead_attn", MultiheadAttention(d_model, nhead));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, dim_feedforward));
    linear2 = register_module("linear2", torch::nn::Linear(dim_feedforward, d_model));
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
}

torch::Tensor TransformerDecoderLayerImpl::forward(torch::Tensor x, const torch::Tensor& memory, const torch::Tensor& memory_mask) {
    x = norm1(x + self_attn->forward(x, x, x));
    x = norm2(x + multihead_attn->forward(x, memory, memory, {}, memory_mask));
    return norm3(x + linear2(linear1(x).relu_()));
}

TransformerDecoderImpl::TransformerDecoderImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward, int64_t num_layers) {
    layers_list = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < num_layers; ++i) {
        layers.push_back(TransformerDecoderLayer(d_model, nhead, dim_feedforward));
        layers_list->push_back(layers.back());
    }
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
}

torch::Tensor TransformerDecoderImpl::forward(torch::Tensor x, const torch::Tensor& memory, const torch::Tensor& memory_mask) {
    for (auto& layer : layers) x = layer->forward(x, memory, memory_mask);
    return norm(x);
}

torch::Tensor frames_to_tokens(const torch::Tensor& x, int64_t batch) {
    const int64_t T = x.size(0) / batch, C = x.size(1), H = x.size(2), W = x.size(3);
    // (B·T, C, H, W) → (B, T, C, H, W) → (T, H, W, B, C) → (T·H·W, B, C)
    return x.reshape({batch, T, C, H, W}).permute({1, 3, 4, 0, 2}).reshape({T * H * W, batch, C});
}

torch::Tensor tokens_to_frames(const torch::Tensor& x, int64_t frames, int64_t height, int64_t width) {
    const int64_t B = x.size(1), C = x.size(2);
    return x.reshape({frames, height, width, B, C}).permute({3, 0, 4, 1, 2}).reshape({B * frames, C, height, width});
}

}  // namespace r2::nn
