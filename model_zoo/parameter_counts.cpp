#include "model_zoo/parameter_counts.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "model_zoo/backbone.h"
#include "model_zoo/pixel_decoder.h"

namespace r2::nn {

namespace {

// The torch layers, as their constructors register parameters.
int64_t linear(int64_t in, int64_t out, bool bias = true) { return in * out + (bias ? out : 0); }
int64_t conv(int64_t in, int64_t out, int64_t kernel_volume, bool bias = true) { return in * out * kernel_volume + (bias ? out : 0); }
int64_t layer_norm(int64_t d) { return 2 * d; }
int64_t group_norm(int64_t channels) { return 2 * channels; }

// layers.h
int64_t multihead_attention(int64_t d) { return 3 * d * d + 3 * d + linear(d, d); }
int64_t mlp(int64_t in, int64_t hidden, int64_t out, int64_t layers) {
    int64_t n = 0;
    for (int64_t i = 0; i < layers; ++i) n += linear(i == 0 ? in : hidden, i == layers - 1 ? out : hidden);
    return n;
}
int64_t feature_resizer(int64_t in, int64_t out) { return linear(in, out) + layer_norm(out); }
int64_t conv2d_norm(const Conv2dNormOptions& o) {
    return conv(o.in_channels, o.out_channels, o.kernel_size * o.kernel_size, o.bias) + (o.group_norm > 0 ? group_norm(o.out_channels) : 0);
}
int64_t transformer_decoder(int64_t d, int64_t ffn, int64_t layers) {
    const int64_t layer = 2 * multihead_attention(d) + linear(d, ffn) + linear(ffn, d) + 3 * layer_norm(d);
    return layers * layer + layer_norm(d);
}

// window_attention.h, swin.h, video_swin.h
int64_t window_attention(int64_t dim, int64_t heads, const std::array<int64_t, 3>& window) {
    const int64_t table = (2 * window[0] - 1) * (2 * window[1] - 1) * (2 * window[2] - 1) * heads;
    return table + linear(dim, 3 * dim) + linear(dim, dim);
}
int64_t swin_block(int64_t dim, int64_t heads, const std::array<int64_t, 3>& window, double mlp_ratio) {
    const auto hidden = int64_t(double(dim) * mlp_ratio);
    return 2 * layer_norm(dim) + window_attention(dim, heads, window) + linear(dim, hidden) + linear(hidden, dim);
}
int64_t patch_merging(int64_t dim) { return linear(4 * dim, 2 * dim, false) + layer_norm(4 * dim); }

// resnet.h (frozen batch norm: buffers only) and tiny_backbone.h
int64_t resnet50() {
    int64_t n = conv(3, 64, 7 * 7, false), inplanes = 64;
    for (const auto& [planes, blocks] : {std::pair<int64_t, int64_t>{64, 3}, {128, 4}, {256, 6}, {512, 3}}) {
        for (int64_t b = 0; b < blocks; ++b) {
            n += conv(inplanes, planes, 1, false) + conv(planes, planes, 9, false) + conv(planes, 4 * planes, 1, false);
            if (b == 0) n += conv(inplanes, 4 * planes, 1, false);  // downsample (every first block of ResNet-50)
            inplanes = 4 * planes;
        }
    }
    return n;
}
int64_t tiny_backbone() {
    const int64_t channels[5] = {16, 16, 32, 64, 128};
    int64_t n = conv(3, 16, 9);
    for (int i = 0; i < 4; ++i) n += conv(channels[i], channels[i + 1], 9) + group_norm(channels[i + 1]);
    return n;
}

// msdeform_attn.h, deformable_encoder.h, deformable_decoder.h
int64_t ms_deform_attn(int64_t d, int64_t levels, int64_t heads, int64_t points) {
    return linear(d, heads * levels * points * 2) + linear(d, heads * levels * points) + 2 * linear(d, d);
}

// pixel_decoder.h
int64_t fpn_convs(int64_t stride4_channels, int64_t conv_dim, int64_t mask_dim) {
    int64_t n = conv2d_norm({conv_dim, mask_dim, 3, 1, 1, true, 0, false});  // mask_features
    for (int64_t stage = 1; stage <= 4; ++stage)
        n += conv2d_norm({stage == 1 ? stride4_channels : conv_dim, conv_dim, 1}) + conv2d_norm({conv_dim, conv_dim, 3, 1, 1, false, 8, true});
    return n;
}
int64_t cross_modal_fpn(int64_t stride4_channels, int64_t d, int64_t mask_dim, int64_t ffn) {
    const int64_t block = 2 * multihead_attention(d) + linear(d, ffn) + linear(ffn, d) + 3 * layer_norm(d);  // VisionLanguageBlock
    return fpn_convs(stride4_channels, d, mask_dim) + 4 * block;
}
int64_t dual_cross_modal_fpn(int64_t stride4_channels, int64_t d, int64_t mask_dim, int64_t ffn, bool use_cycle, int64_t cycle_dim) {
    const int64_t dual_block = 3 * multihead_attention(d) + 2 * (linear(d, ffn) + linear(ffn, d)) + linear(d, d) + linear(d, 2 * d) +
                               5 * layer_norm(d);  // DualVisionLanguageBlock
    int64_t n = fpn_convs(stride4_channels, d, mask_dim) + conv2d_norm({d, d, 1, 1, 0, false, 8, true}) + linear(d, d) + dual_block +
                conv2d_norm({DualCrossModalFPNDecoderImpl::text_pool_size * d, d, 1, 1, 0, false, 8, true});
    if (use_cycle) n += transformer_decoder(cycle_dim, 2048, 3) + cycle_dim;  // text_decoder, text_query
    return n;
}

}  // namespace

int64_t parameter_count(const RobertaConfig& c) {
    const int64_t h = c.hidden_size;
    const int64_t embeddings = (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * h + layer_norm(h);
    const int64_t layer = 4 * linear(h, h) + linear(h, c.intermediate_size) + linear(c.intermediate_size, h) + 2 * layer_norm(h);
    return embeddings + c.num_hidden_layers * layer + (c.add_pooling_layer ? linear(h, h) : 0);
}

int64_t parameter_count(const SwinConfig& c) {
    int64_t n = conv(c.in_chans, c.embed_dim, c.patch_size * c.patch_size) + layer_norm(c.embed_dim);
    for (size_t i = 0; i < c.depths.size(); ++i) {
        const int64_t dim = c.embed_dim << i;
        n += c.depths[i] * swin_block(dim, c.num_heads[i], {1, c.window_size, c.window_size}, c.mlp_ratio) + layer_norm(dim);  // + norm{i}
        if (i + 1 < c.depths.size()) n += patch_merging(dim);
    }
    return n;
}

int64_t parameter_count(const VideoSwinConfig& c) {
    int64_t n = conv(c.in_chans, c.embed_dim, c.patch_size[0] * c.patch_size[1] * c.patch_size[2]) + layer_norm(c.embed_dim);
    for (size_t i = 0; i < c.depths.size(); ++i) {
        const int64_t dim = c.embed_dim << i;
        n += c.depths[i] * swin_block(dim, c.num_heads[i], c.window_size, c.mlp_ratio);
        if (i + 1 < c.depths.size()) n += patch_merging(dim);
    }
    return n;
}

int64_t backbone_parameter_count(const std::string& name) {
    if (name == "resnet50") return resnet50();
    if (name == "swin_t") return parameter_count(SwinConfig::swin_t());
    if (name == "video_swin_t") return parameter_count(VideoSwinConfig::video_swin_t());
    if (name == "video_swin_t_3stage") return parameter_count(VideoSwinConfig::video_swin_t_3stage());
    if (name == "tiny_cnn") return tiny_backbone();
    throw Error(fmt::format("unknown backbone '{}'", name));
}

int64_t parameter_count(const ReferFormerConfig& c) {
    const int64_t C = c.hidden_dim, L = c.num_feature_levels;
    const auto channels = backbone_shape(c.backbone).channels;
    int64_t n = backbone_parameter_count(c.backbone) + parameter_count(c.text_encoder) + feature_resizer(c.text_encoder.hidden_size, C);
    for (int64_t l = 0; l < L; ++l)  // input_proj: 1x1 convs, the last level a 3x3 one; GroupNorm(32)
        n += conv(channels[size_t(std::min<int64_t>(l + 1, 3))], C, l >= 3 ? 9 : 1) + group_norm(C);
    n += multihead_attention(C);  // fusion_module
    n += L * C;                   // level_embed
    const int64_t ffn = linear(C, c.dim_feedforward) + linear(c.dim_feedforward, C);
    n += c.enc_layers * (ms_deform_attn(C, L, c.nheads, c.enc_n_points) + ffn + 2 * layer_norm(C));
    n += c.dec_layers * (ms_deform_attn(C, L, c.nheads, c.dec_n_points) + multihead_attention(C) + ffn + 3 * layer_norm(C));
    n += linear(C, 2);  // reference_points
    if (c.mix_query) n += feature_resizer(2 * C, C);
    n += c.dual_fpn ? dual_cross_modal_fpn(channels[0], C, c.mask_dim, c.dim_feedforward, c.use_cycle, c.cycle_dim)
                    : cross_modal_fpn(channels[0], C, c.mask_dim, c.dim_feedforward);
    n += c.num_queries * C;  // query_embed
    // One class and box head per decoder layer (without box refinement one head is registered under
    // every layer's name, and parameters() lists it that many times).
    n += c.dec_layers * (linear(C, c.num_classes) + mlp(C, C, 4, 3));
    n += mlp(C, C, c.dynamic_params(), 3);  // controller
    if (c.neg_cls) n += mlp((c.pair_input == PairInput::concat ? 2 : 3) * C, C, 1, 3);
    if (c.sentence_feature == SentenceFeature::mean_words_and_bag) n += ReferFormerImpl::kWordBuckets * C + layer_norm(C);  // word_bag, word_bag_norm
    if (c.pseudo_sentence == PseudoSentence::grounded_video)  // grounded_pseudo: Linear, ReLU, Linear, LayerNorm
        n += linear(channels[0] + channels[1] + channels[2] + 1, C) + linear(C, C) + layer_norm(C);
    return n;
}

int64_t parameter_count(const MTTRConfig& c) {
    const int64_t d = c.d_model, ffn = linear(d, c.dim_feedforward) + linear(c.dim_feedforward, d);
    const auto channels = backbone_shape(c.backbone).channels;
    int64_t n = backbone_parameter_count(c.backbone);
    n += c.enc_layers * (multihead_attention(d) + ffn + 2 * layer_norm(d));
    n += c.dec_layers * (2 * multihead_attention(d) + ffn + 3 * layer_norm(d)) + layer_norm(d);
    n += parameter_count(c.text_encoder) + feature_resizer(c.text_encoder.hidden_size, d);
    n += linear(d, 2) + mlp(d, d, c.mask_kernels_dim, 2) + c.num_queries * d;  // is_referred, instance kernels, object queries
    n += conv(channels[2], d, 1);                                                // vid_embed_proj
    const int64_t d1 = d / 2, d2 = d / 4, d3 = d / 8;                             // FPNSpatialDecoder
    n += conv(d, d, 9) + group_norm(d) + conv(d, d1, 9) + group_norm(d1) + conv(d1, d2, 9) + group_norm(d2) + conv(d2, d3, 9) +
         group_norm(d3) + conv(channels[1], d1, 1) + conv(channels[0], d2, 1) + conv(d3, c.mask_kernels_dim, 9);
    return n;
}

}  // namespace r2::nn
