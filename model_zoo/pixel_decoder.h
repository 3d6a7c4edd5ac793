// The cross-modal FPN pixel decoders (models/segmentation.py): encoder memory at strides 8/16/32
// and the backbone's stride-4 map in, mask features at stride 4 out.
//   CrossModalFPNDecoder      ReferFormer: a VisionLanguageBlock at every level (cross_attn_1..4).
//   DualCrossModalFPNDecoder  R2-VOS: one DualVisionLanguageBlock at stride 32, a dynamic text
//                             filter (dyn_conv, dyn_filter, pool_conv), and the cycle head
//                             (text_decoder, text_query) that reads a pseudo sentence feature back
//                             out of the text-aware video feature.
// Names: adapter_{1..4} (1x1, GN 8), layer_{1..4} (3x3, GN 8, ReLU), mask_features (3x3, bias).
#pragma once
#include <vector>

#include <torch/torch.h>

#include "model_zoo/layers.h"
#include "model_zoo/vision_language.h"

namespace r2::nn {

struct PixelDecoderInput {
    torch::Tensor stride4;                   // backbone level 0, (B·T, C0, H/4, W/4)
    std::vector<torch::Tensor> memory;       // encoder memory, strides 8, 16, 32: (B·T, C, h, w)
    std::vector<torch::Tensor> vision_pos;   // backbone position embeddings of levels 0..3, (B·T, C, h, w)
    std::vector<torch::Tensor> vision_mask;  // backbone padding masks of levels 0..3, (B·T, h, w)
    torch::Tensor text;                      // word features (L, B, C)
    torch::Tensor text_mask;                 // (B, L), true on padding
    int64_t frames = 1;                      // T
};

struct PixelDecoderOutput {
    torch::Tensor mask_features;            // (B·T, mask_dim, H/4, W/4)
    torch::Tensor pseudo_sentence_feature;  // (1, B, C): R2-VOS with the cycle head only
};

// Shared convolutions of both decoders.
struct FPNConvs {
    std::vector<Conv2dNorm> adapters, layers;  // index 0 = stride 4 … 3 = stride 32
    Conv2dNorm mask_features{nullptr};
};

struct CrossModalFPNDecoderImpl : torch::nn::Module {
    CrossModalFPNDecoderImpl(int64_t stride4_channels, int64_t conv_dim, int64_t mask_dim, int64_t dim_feedforward);
    PixelDecoderOutput forward(const PixelDecoderInput& in);
    FPNConvs convs;
    std::vector<VisionLanguageBlock> cross_attn;  // cross_attn_1..4, sr ratios 8, 4, 2, 1
};
TORCH_MODULE(CrossModalFPNDecoder);

struct DualCrossModalFPNDecoderImpl : torch::nn::Module {
    // cycle_dim: the cycle head's width (the official code hard-codes 256 = conv_dim).
    DualCrossModalFPNDecoderImpl(int64_t stride4_channels, int64_t conv_dim, int64_t mask_dim, int64_t dim_feedforward, bool use_cycle,
                                 int64_t cycle_dim);
    PixelDecoderOutput forward(const PixelDecoderInput& in);
    FPNConvs convs;
    DualVisionLanguageBlock cross_attn{nullptr};
    Conv2dNorm dyn_conv{nullptr}, pool_conv{nullptr};
    torch::nn::Linear dyn_filter{nullptr};
    TransformerDecoder text_decoder{nullptr};
    torch::nn::Embedding text_query{nullptr};
    static constexpr int64_t text_pool_size = 3;
};
TORCH_MODULE(DualCrossModalFPNDecoder);

}  // namespace r2::nn
