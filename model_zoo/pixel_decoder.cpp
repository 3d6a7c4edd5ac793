#include "model_zoo/pixel_decoder.h"

#include "model_zoo/position_embedding.h"

namespace r2::nn {

namespace {

namespace F = torch::nn::functional;

FPNConvs make_fpn_convs(torch::nn::Module& m, int64_t stride4_channels, int64_t conv_dim, int64_t mask_dim) {
    FPNConvs c;
    for (int64_t stage = 1; stage <= 4; ++stage) {
        const int64_t in = stage == 1 ? stride4_channels : conv_dim;
        c.adapters.push_back(m.register_module("adapter_" + std::to_string(stage), Conv2dNorm(Conv2dNormOptions{in, conv_dim, 1})));
        c.layers.push_back(m.register_module("layer_" + std::to_string(stage),
                                             Conv2dNorm(Conv2dNormOptions{conv_dim, conv_dim, 3, 1, 1, false, 8, true})));
    }
    c.mask_features = m.register_module("mask_features", Conv2dNorm(Conv2dNormOptions{conv_dim, mask_dim, 3, 1, 1, true, 0, false}));
    return c;
}

torch::Tensor upsample_nearest(const torch::Tensor& y, const torch::Tensor& like) {
    return F::interpolate(y, F::InterpolateFuncOptions().size(std::vector<int64_t>{like.size(2), like.size(3)}).mode(torch::kNearest));
}

// (B·T, h, w) → (B, T·h·w)
torch::Tensor mask_tokens(const torch::Tensor& mask, int64_t batch) { return mask.reshape({batch, -1}); }

// The text position embedding of the decoder's own text_pos (no parameters): (L, B, C).
torch::Tensor text_position(const torch::Tensor& text_mask, int64_t channels) {
    return position_embedding_sine_1d(text_mask, channels).permute({2, 0, 1});
}

}  // namespace

CrossModalFPNDecoderImpl::CrossModalFPNDecoderImpl(int64_t stride4_channels, int64_t conv_dim, int64_t mask_dim, int64_t dim_feedforward) {
    convs = make_fpn_convs(*this, stride4_channels, conv_dim, mask_dim);
    const int64_t sr_ratios[4] = {8, 4, 2, 1};
    for (int64_t stage = 1; stage <= 4; ++stage)
        cross_attn.push_back(register_module("cross_attn_" + std::to_string(stage),
                                             VisionLanguageBlock(conv_dim, 8, dim_feedforward, sr_ratios[stage - 1])));
}

PixelDecoderOutput CrossModalFPNDecoderImpl::forward(const PixelDecoderInput& in) {
    const int64_t T = in.frames, B = in.stride4.size(0) / T;
    const auto text_pos = text_position(in.text_mask, in.text.size(2));
    // Every level, coarse to fine: adapter → vision-language block → (+ upsampled coarser) → layer.
    torch::Tensor y;
    for (int level = 3; level >= 0; --level) {
        const auto& source = level == 0 ? in.stride4 : in.memory[level - 1];
        const auto x = convs.adapters[level](source);
        const int64_t H = x.size(2), W = x.size(3);
        auto fused = cross_attn[level]->forward(frames_to_tokens(x, B), in.text, T, H, W, mask_tokens(in.vision_mask[level], B), in.text_mask,
                                       text_pos, frames_to_tokens(in.vision_pos[level], B));
        auto current = tokens_to_frames(fused, T, H, W);
        y = convs.layers[level](level == 3 ? current : current + upsample_nearest(y, current));
    }
    return {convs.mask_features(y), {}};
}

DualCrossModalFPNDecoderImpl::DualCrossModalFPNDecoderImpl(int64_t stride4_channels, int64_t conv_dim, int64_t mask_dim,
                                                           int64_t dim_feedforward, bool use_cycle, int64_t cycle_dim) {
    convs = make_fpn_convs(*this, stride4_channels, conv_dim, mask_dim);
    dyn_conv = register_module("dyn_conv", Conv2dNorm(Conv2dNormOptions{conv_dim, conv_dim, 1, 1, 0, false, 8, true}));
    dyn_filter = register_module("dyn_filter", torch::nn::Linear(conv_dim, conv_dim));
    cross_attn = register_module("cross_attn", DualVisionLanguageBlock(conv_dim, 8, dim_feedforward));
    pool_conv = register_module("pool_conv", Conv2dNorm(Conv2dNormOptions{text_pool_size * conv_dim, conv_dim, 1, 1, 0, false, 8, true}));
    if (use_cycle) {
        // nn.TransformerDecoderLayer(d_model=256, nhead=8) with PyTorch's default FFN of 2048.
        TORCH_CHECK(cycle_dim == conv_dim, "the cycle head reads the decoder's features: cycle_dim must equal conv_dim");
        text_decoder = register_module("text_decoder", TransformerDecoder(cycle_dim, 8, 2048, 3));
        text_query = register_module("text_query", torch::nn::Embedding(1, cycle_dim));
    }
}

PixelDecoderOutput DualCrossModalFPNDecoderImpl::forward(const PixelDecoderInput& in) {
    const int64_t T = in.frames, B = in.stride4.size(0) / T;
    const auto text_pos = text_position(in.text_mask, in.text.size(2));
    PixelDecoderOutput out;

    // Stride 32: dual cross-attention over the clip's pixels and the words.
    const auto top = convs.adapters[3](in.memory[2]);
    const int64_t H = top.size(2), W = top.size(3), C = top.size(1);
    const auto vision_pos = frames_to_tokens(in.vision_pos[3], B);
    const auto vision_mask = mask_tokens(in.vision_mask[3], B);
    auto [fused, text] = cross_attn->forward(frames_to_tokens(top, B), in.text, vision_mask, in.text_mask, text_pos, vision_pos);
    const auto current = tokens_to_frames(fused, T, H, W);
    // Dynamic text filter: the updated words pooled to 3 slots per frame, each a per-channel filter
    // of dyn_conv(current); the 3 filtered maps (3·C channels) squeezed back by pool_conv.
    const int64_t L = text.size(0);
    const auto words = text.permute({1, 2, 0}).unsqueeze(1).expand({B, T, C, L}).reshape({B * T, C, L});  // (B·T, C, L)
    const auto pooled = F::adaptive_avg_pool1d(words, F::AdaptiveAvgPool1dFuncOptions(text_pool_size)).transpose(1, 2);  // (B·T, 3, C)
    const auto filter = dyn_filter(pooled);
    const auto filtered = dyn_conv(current).unsqueeze(1) * filter.unsqueeze(-1).unsqueeze(-1);  // (B·T, 3, C, H, W)
    auto y = convs.layers[3](current + pool_conv(filtered.reshape({B * T, text_pool_size * C, H, W})));

    if (text_decoder) {
        // Video → text: one learned query reads the text-aware video feature (plus its position).
        // The official call passes the mask of the first clip as nn.TransformerDecoder's 4th
        // positional argument, memory_mask (1, T·h·w); for one clip that equals key padding.
        const auto memory = vision_pos + frames_to_tokens(y, B);
        const auto query = text_query->weight.unsqueeze(1).repeat({1, B, 1});  // (1, B, C)
        out.pseudo_sentence_feature = text_decoder->forward(query, memory, vision_mask[0].unsqueeze(0));
    }
    // Strides 16, 8, 4: plain FPN with nearest upsampling.
    for (int level = 2; level >= 0; --level) {
        const auto x = convs.adapters[level](level == 0 ? in.stride4 : in.memory[level - 1]);
        y = convs.layers[level](x + upsample_nearest(y, x));
    }
    out.mask_features = convs.mask_features(y);
    return out;
}

}  // namespace r2::nn
