// MTTR (mttr2021/MTTR, CVPR 2022), the first end-to-end transformer for referring video
// segmentation and the R²-VOS paper's second baseline. The module tree's dotted names are the
// official checkpoint keys (`torch.load(...)['model_state_dict']`, top level, no text pooler):
//   backbone.*                 Video Swin-T, first three stages (96/192/384 channels, strides 4/8/16)
//   vid_embed_proj             1x1 conv of the stride-16 stage to d_model
//   transformer.text_encoder.* RoBERTa-base without pooler; transformer.txt_proj.{fc,layer_norm}
//   transformer.encoder.layers.{i}, transformer.decoder.layers.{i}, transformer.decoder.norm
//   obj_queries (50 × d_model), is_referred_head (d_model → 2), instance_kernels_head.layers.{0,1}
//   spatial_decoder.{lay1..4, gn1..4, adapter1, adapter2, out_lay}
//
// One clip and one sentence per call, clip (T, 3, H, W) ImageNet-normalised, no padding:
//   backbone → 3 levels; vid_embed_proj(stride 16) → (T, d, h, w)
//   text encoder → words (L, 1, d) through txt_proj
//   per frame, ONE sequence = [h·w video tokens, L words]; position = DETR's 2-D sine for the
//     video tokens, zeros for the words; 3 post-norm encoder layers (frames never attend to each
//     other here: time is mixed only by Video Swin)
//   decoder: 50 object queries shared by every frame (query_pos = obj_queries, tgt = 0), 3
//     post-norm layers, decoder.norm on every layer's output → hs (layers, T, 50, d)
//   spatial decoder: FPN over the encoded video tokens + stages 8 and 4 → (T, 8, H/4, W/4)
//   masks = instance_kernels_head(hs) · features (a plain dot product over the 8 channels)
//   pred_is_referred = is_referred_head(hs), softmax index 0 = "referred".
#pragma once
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/backbone.h"
#include "model_zoo/detr_transformer.h"
#include "model_zoo/layers.h"
#include "model_zoo/roberta.h"
#include "model_zoo/stage_times.h"

namespace r2::nn {

struct MTTRConfig {
    std::string backbone = "video_swin_t_3stage";
    RobertaConfig text_encoder = [] {
        RobertaConfig c = RobertaConfig::roberta_base();
        c.add_pooling_layer = false;
        return c;
    }();
    int64_t d_model = 256, nheads = 8, enc_layers = 3, dec_layers = 3, dim_feedforward = 2048;
    int64_t num_queries = 50, mask_kernels_dim = 8;

    static MTTRConfig mttr();  // configs/refer_youtube_vos.yaml
    // The tiny CNN (its first three levels), the 2-layer byte-level text encoder, width 64.
    static MTTRConfig mttr_tiny();
};

// FPNSpatialDecoder(context_dim, fpn_dims = [stride-8 channels, stride-4 channels], kernels):
// 3x3 convs with GroupNorm(8) and ReLU, halving the width at each step, nearest upsampling.
struct FPNSpatialDecoderImpl : torch::nn::Module {
    FPNSpatialDecoderImpl(int64_t context_dim, int64_t stride8_channels, int64_t stride4_channels, int64_t mask_kernels_dim);
    // context (T, d, H/16, W/16), stride8 (T, C8, H/8, W/8), stride4 (T, C4, H/4, W/4) → (T, kernels, H/4, W/4)
    torch::Tensor forward(const torch::Tensor& context, const torch::Tensor& stride8, const torch::Tensor& stride4);
    torch::nn::Conv2d lay1{nullptr}, lay2{nullptr}, lay3{nullptr}, lay4{nullptr}, adapter1{nullptr}, adapter2{nullptr}, out_lay{nullptr};
    torch::nn::GroupNorm gn1{nullptr}, gn2{nullptr}, gn3{nullptr}, gn4{nullptr};
};
TORCH_MODULE(FPNSpatialDecoder);

struct MTTROutputs {
    torch::Tensor pred_is_referred;        // (layers, T, Q, 2)
    std::vector<torch::Tensor> pred_masks;  // (T, Q, H/4, W/4) per layer; only the last unless all asked for
};

// What a clip gives before any text is involved, reusable for every sentence of the video.
struct MTTRClipFeatures {
    torch::Tensor stride4, stride8;  // backbone levels (T, C, h, w)
    torch::Tensor video;             // vid_embed_proj(stride 16) (T, d, h, w)
    torch::Tensor video_pos;         // (h·w, T, d)
    int64_t frames = 0, height = 0, width = 0;  // T and the model input size
};

struct MTTRTextFeatures {
    torch::Tensor words;  // (L, 1, d) after txt_proj
    torch::Tensor mask;   // (1, L) true on padding
};

struct MTTRImpl : torch::nn::Module {
    explicit MTTRImpl(const MTTRConfig& config);

    MTTROutputs forward(const torch::Tensor& frames, const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        bool all_layer_masks = false, StageTimes* times = nullptr);
    MTTRClipFeatures encode_clip(const torch::Tensor& frames, StageTimes* times = nullptr);
    MTTRTextFeatures encode_text(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, StageTimes* times = nullptr);
    MTTROutputs decode(const MTTRClipFeatures& clip, const MTTRTextFeatures& text, bool all_layer_masks = false,
                       StageTimes* times = nullptr);

    MTTRConfig config;
    std::unique_ptr<Backbone> backbone;
    RobertaModel text_encoder{nullptr};          // transformer.text_encoder
    FeatureResizer txt_proj{nullptr};            // transformer.txt_proj
    std::vector<DetrEncoderLayer> encoder_layers;  // transformer.encoder.layers.*
    std::vector<DetrDecoderLayer> decoder_layers;  // transformer.decoder.layers.*
    torch::nn::LayerNorm decoder_norm{nullptr};  // transformer.decoder.norm
    torch::nn::Conv2d vid_embed_proj{nullptr};
    FPNSpatialDecoder spatial_decoder{nullptr};
    torch::nn::Embedding obj_queries{nullptr};
    torch::nn::Linear is_referred_head{nullptr};
    MLP instance_kernels_head{nullptr};
};
TORCH_MODULE(MTTR);

}  // namespace r2::nn
