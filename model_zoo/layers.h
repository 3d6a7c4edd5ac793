// Small building blocks shared by the assembled models, each with the official parameter names so
// converted checkpoints load unchanged:
//   MultiheadAttention   torch.nn.MultiheadAttention (in_proj_weight, in_proj_bias, out_proj.*)
//   MLP                  DETR's MLP (layers.{i}, ReLU between)
//   FeatureResizer       ReferFormer/MTTR's fc + LayerNorm(eps 1e-12) (+ dropout, off at inference)
//   Conv2dNorm           detectron2's Conv2d with a `.norm` child and an optional ReLU
//   TransformerDecoderLayer  torch.nn.TransformerDecoderLayer, post-norm, ReLU
// Sequences are sequence-first like PyTorch's attention modules: (L, N, C).
#pragma once
#include <vector>

#include <torch/torch.h>

namespace r2::nn {

struct MultiheadAttentionImpl : torch::nn::Module {
    MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads);
    // query (Lq, N, C), key and value (Lk, N, C); key_padding_mask (N, Lk) true where a key is
    // ignored; attn_mask (Lq, Lk) bool, true where blocked → (Lq, N, C).
    torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& key, const torch::Tensor& value,
                          const torch::Tensor& key_padding_mask = {}, const torch::Tensor& attn_mask = {});
    int64_t embed_dim, num_heads;
    torch::Tensor in_proj_weight, in_proj_bias;  // (3C, C), (3C): rows of q, k, v
    torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(MultiheadAttention);

struct MLPImpl : torch::nn::Module {
    MLPImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers);
    torch::Tensor forward(torch::Tensor x);
    torch::nn::ModuleList layers{nullptr};
    std::vector<torch::nn::Linear> linears;
};
TORCH_MODULE(MLP);

struct FeatureResizerImpl : torch::nn::Module {
    FeatureResizerImpl(int64_t input_size, int64_t output_size);
    torch::Tensor forward(const torch::Tensor& x) { return layer_norm(fc(x)); }
    torch::nn::Linear fc{nullptr};
    torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(FeatureResizer);

struct Conv2dNormOptions {
    int64_t in_channels, out_channels, kernel_size;
    int64_t stride = 1, padding = 0;
    bool bias = false;          // detectron2 drops the bias when a norm follows
    int64_t group_norm = 8;     // GroupNorm groups; 0 for no norm (ReferFormer's get_norm("GN") is 8 groups)
    bool relu = false;
};

struct Conv2dNormImpl : torch::nn::Module {
    explicit Conv2dNormImpl(const Conv2dNormOptions& o);
    torch::Tensor forward(const torch::Tensor& x);
    Conv2dNormOptions options;
    torch::Tensor weight, bias;
    torch::nn::GroupNorm norm{nullptr};
};
TORCH_MODULE(Conv2dNorm);

// torch.nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, post-norm, ReLU) without
// positional embeddings, as R2-VOS's cycle head (`text_decoder`) uses it.
struct TransformerDecoderLayerImpl : torch::nn::Module {
    TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward);
    // tgt (Lt, N, C), memory (Lm, N, C); memory_mask (Lt, Lm) bool, true where blocked.
    torch::Tensor forward(torch::Tensor tgt, const torch::Tensor& memory, const torch::Tensor& memory_mask = {});
    MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(TransformerDecoderLayer);

// torch.nn.TransformerDecoder: `layers.{i}` then the final `norm`.
struct TransformerDecoderImpl : torch::nn::Module {
    TransformerDecoderImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward, int64_t num_layers);
    torch::Tensor forward(torch::Tensor tgt, const torch::Tensor& memory, const torch::Tensor& memory_mask = {});
    torch::nn::ModuleList layers_list{nullptr};
    std::vector<TransformerDecoderLayer> layers;
    torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TransformerDecoder);

// (B·T, C, H, W) ↔ (T·H·W, B, C): a clip's pixels of all frames as one token sequence.
torch::Tensor frames_to_tokens(const torch::Tensor& x, int64_t batch);
torch::Tensor tokens_to_frames(const torch::Tensor& x, int64_t frames, int64_t height, int64_t width);

}  // namespace r2::nn
