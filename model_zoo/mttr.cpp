#include "model_zoo/mttr.h"

#include "model_zoo/module_group.h"
#include "model_zoo/position_embedding.h"

namespace r2::nn {

namespace F = torch::nn::functional;

MTTRConfig MTTRConfig::mttr() { return {}; }

MTTRConfig MTTRConfig::mttr_tiny() {
    MTTRConfig c;
    c.backbone = "tiny_cnn";
    c.text_encoder = RobertaConfig::tiny(260);  // <s> <pad> </s> <unk> and the 256 bytes
    c.text_encoder.add_pooling_layer = false;
    c.d_model = 64, c.nheads = 4, c.enc_layers = 2, c.dec_layers = 2, c.dim_feedforward = 256;
    return c;
}

namespace {
torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2));
}
torch::Tensor nearest_to(const torch::Tensor& x, const torch::Tensor& like) {
    return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{like.size(2), like.size(3)}).mode(torch::kNearest));
}
}  // namespace

FPNSpatialDecoderImpl::FPNSpatialDecoderImpl(int64_t context_dim, int64_t stride8_channels, int64_t stride4_channels,
                                             int64_t mask_kernels_dim) {
    const int64_t d0 = context_dim, d1 = context_dim / 2, d2 = context_dim / 4, d3 = context_dim / 8;
    lay1 = register_module("lay1", conv(d0, d0, 3));
    gn1 = register_module("gn1", torch::nn::GroupNorm(8, d0));
    lay2 = register_module("lay2", conv(d0, d1, 3));
    gn2 = register_module("gn2", torch::nn::GroupNorm(8, d1));
    lay3 = register_module("lay3", conv(d1, d2, 3));
    gn3 = register_module("gn3", torch::nn::GroupNorm(8, d2));
    lay4 = register_module("lay4", conv(d2, d3, 3));
    gn4 = register_module("gn4", torch::nn::GroupNorm(8, d3));
    adapter1 = register_module("adapter1", conv(stride8_channels, d1, 1));
    adapter2 = register_module("adapter2", conv(stride4_channels, d2, 1));
    out_lay = register_module("out_lay", conv(d3, mask_kernels_dim, 3));
}

torch::Tensor FPNSpatialDecoderImpl::forward(const torch::Tensor& context, const torch::Tensor& stride8, const torch::Tensor& stride4) {
    auto x = gn1(lay1(context)).relu_();
    x = gn2(lay2(x)).relu_();
    auto fpn = adapter1(stride8);
    x = gn3(lay3(fpn + nearest_to(x, fpn))).relu_();
    fpn = adapter2(stride4);
    x = gn4(lay4(fpn + nearest_to(x, fpn))).relu_();
    return out_lay(x);
}

MTTRImpl::MTTRImpl(const MTTRConfig& c) : config(c) {
    const int64_t d = c.d_model;
    backbone = make_backbone(c.backbone);
    register_module("backbone", backbone->module());
    const auto channels = backbone->output_shape().channels;  // levels 0..2 are used: strides 4, 8, 16

    auto transformer = register_module("transformer", std::make_shared<Group>());
    auto encoder = transformer->register_module("encoder", std::make_shared<Group>())->register_module("layers", std::make_shared<Group>());
    for (int64_t i = 0; i < c.enc_layers; ++i)
        encoder_layers.push_back(encoder->register_module(std::to_string(i), DetrEncoderLayer(d, c.nheads, c.dim_feedforward)));
    auto decoder = transformer->register_module("decoder", std::make_shared<Group>());
    auto decoder_list = decoder->register_module("layers", std::make_shared<Group>());
    for (int64_t i = 0; i < c.dec_layers; ++i)
        decoder_layers.push_back(decoder_list->register_module(std::to_string(i), DetrDecoderLayer(d, c.nheads, c.dim_feedforward)));
    decoder_norm = decoder->register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    text_encoder = transformer->register_module("text_encoder", RobertaModel(c.text_encoder));
    txt_proj = transformer->register_module("txt_proj", FeatureResizer(c.text_encoder.hidden_size, d));

    is_referred_head = register_module("is_referred_head", torch::nn::Linear(d, 2));
    instance_kernels_head = register_module("instance_kernels_head", MLP(d, d, c.mask_kernels_dim, 2));
    obj_queries = register_module("obj_queries", torch::nn::Embedding(c.num_queries, d));
    vid_embed_proj = register_module("vid_embed_proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels[2], d, 1)));
    spatial_decoder = register_module("spatial_decoder", FPNSpatialDecoder(d, channels[1], channels[0], c.mask_kernels_dim));
}

MTTRClipFeatures MTTRImpl::encode_clip(const torch::Tensor& frames, StageTimes* times) {
    MTTRClipFeatures clip;
    clip.frames = frames.size(0), clip.height = frames.size(2), clip.width = frames.size(3);
    std::vector<torch::Tensor> levels;
    {
        StageTimer timer(times, "backbone");
        levels = backbone->forward(frames);
    }
    StageTimer timer(times, "encoder");
    clip.stride4 = levels[0], clip.stride8 = levels[1];
    clip.video = vid_embed_proj(levels[2]);  // (T, d, h, w)
    const int64_t T = clip.frames, h = clip.video.size(2), w = clip.video.size(3);
    // One clip, so no frame is padded: an all-false mask, as nested_tensor_from_videos_list gives.
    const auto no_padding = torch::zeros({T, h, w}, torch::TensorOptions().dtype(torch::kBool).device(frames.device()));
    clip.video_pos = position_embedding_sine_2d_channels_last(no_padding, config.d_model / 2).flatten(1, 2).transpose(0, 1);
    return clip;
}

MTTRTextFeatures MTTRImpl::encode_text(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, StageTimes* times) {
    StageTimer timer(times, "text");
    const auto encoded = text_encoder(input_ids, attention_mask);
    return {txt_proj(encoded.last_hidden_state).permute({1, 0, 2}), attention_mask.ne(1)};
}

MTTROutputs MTTRImpl::forward(const torch::Tensor& frames, const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              bool all_layer_masks, StageTimes* times) {
    return decode(encode_clip(frames, times), encode_text(input_ids, attention_mask, times), all_layer_masks, times);
}

MTTROutputs MTTRImpl::decode(const MTTRClipFeatures& clip, const MTTRTextFeatures& text, bool all_layer_masks, StageTimes* times) {
    const int64_t T = clip.frames, d = config.d_model, Q = config.num_queries;
    const int64_t h = clip.video.size(2), w = clip.video.size(3), L = text.words.size(0);
    const auto device = clip.video.device();
    // Every frame is one sequence of its h·w video tokens followed by the L words (batch = T).
    const auto words = text.words.expand({L, T, d});
    torch::Tensor memory, pos, padding;
    {
        StageTimer timer(times, "encoder");
        memory = torch::cat({clip.video.flatten(2).permute({2, 0, 1}), words}, 0);  // (h·w + L, T, d)
        pos = torch::cat({clip.video_pos, torch::zeros({L, T, d}, clip.video_pos.options())}, 0);  // words: no position
        padding = torch::cat({torch::zeros({T, h * w}, torch::TensorOptions().dtype(torch::kBool).device(device)), text.mask.expand({T, L})}, 1);
        for (auto& layer : encoder_layers) memory = layer->forward(memory, pos, padding);
    }
    torch::Tensor hs;
    {
        StageTimer timer(times, "decoder");
        const auto query_pos = obj_queries->weight.unsqueeze(1).expand({Q, T, d});
        auto tgt = torch::zeros({Q, T, d}, memory.options());
        std::vector<torch::Tensor> per_layer;
        for (auto& layer : decoder_layers) {
            tgt = layer->forward(tgt, query_pos, memory, pos, padding);
            per_layer.push_back(decoder_norm(tgt));  // return_intermediate: the norm on every layer's output
        }
        hs = torch::stack(per_layer).permute({0, 2, 1, 3});  // (layers, T, Q, d)
    }
    StageTimer timer(times, "masks");
    const auto video_memory = memory.slice(0, 0, h * w).permute({1, 2, 0}).reshape({T, d, h, w});
    const auto features = spatial_decoder(video_memory, clip.stride8, clip.stride4);  // (T, kernels, H/4, W/4)
    const auto kernels = instance_kernels_head(hs);                                     // (layers, T, Q, kernels)
    MTTROutputs out;
    out.pred_is_referred = is_referred_head(hs);
    const int64_t layers = hs.size(0);
    for (int64_t l = all_layer_masks ? 0 : layers - 1; l < layers; ++l)
        out.pred_masks.push_back(torch::bmm(kernels[l], features.flatten(2)).view({T, Q, features.size(2), features.size(3)}));
    return out;
}

}  // namespace r2::nn
