// ReferFormer (wjn922/ReferFormer) and R2-VOS (lxa9867/R2VOS), one family: R2-VOS is ReferFormer
// with a dual cross-modal pixel decoder, a cycle head that rebuilds a pseudo sentence feature from
// the video, a query mixer, and a pair classifier that rejects sentences that do not fit the
// video. The module tree's dotted names are the official checkpoint keys (backbone.0.body.*,
// input_proj.*, text_encoder.*, resizer.*, fusion_module.*, transformer.*, pixel_decoder.*,
// query_embed, class_embed.*, bbox_embed.*, controller.*, neg_classifier.*).
//
// One clip and one sentence per call (the official inference runs one expression at a time):
//   frames (T, 3, H, W) ImageNet-normalised, no padding; input_ids / attention_mask (1, L).
// The forward, in the order of the paper's figure:
//   backbone → 4 levels (strides 4, 8, 16, 32)
//   text encoder → word features (L, 1, C) and sentence feature (1, C) (both through `resizer`)
//   input_proj on strides 8, 16, 32 and a stride-2 conv on the last level → 4 levels (stride 64)
//   fusion_module: each level · attention(level → words)
//   deformable encoder over the 4 levels of each frame → memory
//   pixel decoder (memory strides 8..32 + backbone stride 4, words) → mask features at stride 4
//     (R2-VOS: also the pseudo sentence feature)
//   queries: content = sentence feature (+ query_mixer(sentence, pseudo) for R2-VOS), position =
//     query_embed; reference points = sigmoid(reference_points(query_embed))
//   deformable decoder with box refinement → per layer: class logits, boxes
//   dynamic mask head: controller(query) → 3 convs 1x1 of 8 channels on [mask features, relative
//     coordinates of the query's reference point]
//   R2-VOS: neg_classifier(sentence, pseudo sentence) → the pair logit.
//
// Three named departures, used only by the tiny model r2vos_tiny_grounded and its configuration
// "r2vos_tiny:grounded" (every other model stays exactly official; see `PseudoSentence`,
// `SentenceFeature`, `PairInput`): trained from
// scratch on the synthetic set, the official pair head never learned (the pooled sentence feature was the same for every sentence, and the
// pseudo sentence feature read the sentence back out of the text-filtered video feature instead of
// the video), so its pair BCE stayed at ln 2.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/backbone.h"
#include "model_zoo/deformable_decoder.h"
#include "model_zoo/deformable_encoder.h"
#include "model_zoo/layers.h"
#include "model_zoo/msdeform_attn.h"
#include "model_zoo/pixel_decoder.h"
#include "model_zoo/roberta.h"
#include "model_zoo/stage_times.h"
#include "model_zoo/vision_language.h"

namespace r2::nn {

// Where the pseudo sentence feature p (the cycle's reconstruction of the sentence) comes from.
enum class PseudoSentence {
    // Official: a learned query of the cycle head's text decoder reads the text-aware video
    // feature at stride 32 (which already carries the sentence through the dynamic text filter).
    cycle_decoder,
    // The paper's dual problem p(E | V, M), made literal: the text-free backbone features of
    // strides 4, 8 and 16, averaged under the predicted mask (the queries weighted by their
    // scores), and the mask's area, through `grounded_pseudo`. The video is the only way in,
    // so p must change with the video; the mask is detached (the pair loss does not move it).
    grounded_video,
};

// The sentence feature s (the queries' content and the pair classifier's first input).
enum class SentenceFeature {
    pooler,      // official: resizer(pooler_output), the first token's
    mean_words,  // the mean of the word features over the sentence's tokens
    max_words,   // their maximum, channel by channel: a distinctive word ("red") is not averaged away
    // mean_words plus a learned embedding of the sentence's bag of whole words (hashed into
    // kWordBuckets; byte-level text encoders only): distinct for different sentences from the first
    // step, where the from-scratch encoder's pooled features stay alike (cosine 0.99) for hundreds.
    mean_words_and_bag,
};

// What the pair classifier reads.
enum class PairInput {
    concat,          // official: [s, p]
    concat_product,  // [s, p, s ⊙ p]: the agreement of s and p as a feature, not something to discover
};

struct ReferFormerConfig {
    std::string backbone = "resnet50";
    RobertaConfig text_encoder = RobertaConfig::roberta_base();
    int64_t hidden_dim = 256, nheads = 8, enc_layers = 4, dec_layers = 4, dim_feedforward = 2048;
    int64_t num_feature_levels = 4, enc_n_points = 4, dec_n_points = 4, num_queries = 5, num_classes = 1;
    int64_t mask_dim = 256, controller_layers = 3, dynamic_mask_channels = 8, mask_stride = 4;
    bool rel_coord = true, with_box_refine = true;
    // R2-VOS (the released checkpoint's flags --use_cycle --mix_query --neg_cls, fpn_type "dual").
    bool dual_fpn = false, use_cycle = false, mix_query = false, neg_cls = false;
    int64_t cycle_dim = 256;  // the cycle head's width, hard-coded to 256 in the official code
    PseudoSentence pseudo_sentence = PseudoSentence::cycle_decoder;
    SentenceFeature sentence_feature = SentenceFeature::pooler;
    PairInput pair_input = PairInput::concat;

    static ReferFormerConfig referformer(const std::string& backbone);  // roberta-base
    static ReferFormerConfig r2vos(const std::string& backbone);        // distilroberta-base
    // The tiny variants (tiny CNN, a 2-layer text encoder of width 64 over a byte vocabulary, width
    // 64 everywhere): small enough to train and run on a CPU.
    static ReferFormerConfig referformer_tiny();
    static ReferFormerConfig r2vos_tiny();
    // R2-VOS-tiny with the three departures that let its pair head learn (on a toy set in 300
    // steps, on the full synthetic set in about 1500: PseudoSentence::grounded_video,
    // SentenceFeature::mean_words_and_bag, PairInput::concat_product): the bundled
    // r2vos_tiny_grounded, and the configuration "r2vos_tiny:grounded".
    static ReferFormerConfig r2vos_tiny_grounded();
    bool is_r2vos() const { return neg_cls; }
    int64_t dynamic_params() const;  // 2153 for the official sizes
};

struct ReferFormerOutputs {
    torch::Tensor pred_logits;  // (layers, T, Q, classes)
    torch::Tensor pred_boxes;   // (layers, T, Q, 4): cx, cy, w, h in [0, 1]
    // (T, Q, H/4, W/4) per decoder layer; only the last layer's unless all layers were asked for.
    std::vector<torch::Tensor> pred_masks;
    torch::Tensor text_sentence_feature;    // (1, C)
    torch::Tensor pseudo_sentence_feature;  // (1, C), R2-VOS only
    // (T, H/4, W/4) in [0, 1], detached: where the grounded pseudo sentence looked (PseudoSentence::grounded_video)
    torch::Tensor grounding;
    // R2-VOS only: the pair classifier's logit (1, 1). The official code's `pair_logits` is
    // sigmoid(logit), the probability that the pair is NEGATIVE (trained with labels 0 for the
    // positive and 1 for the negative pair); r2bench's alignment score is A = 1 − sigmoid(logit).
    torch::Tensor pair_logit;
    torch::Tensor mask_features;  // (T, mask_dim, H/4, W/4), kept for tests
};

// What a clip gives before any text is involved: reusable for every sentence of the same video.
struct ClipFeatures {
    std::vector<torch::Tensor> levels;      // backbone outputs (T, C_l, h_l, w_l)
    std::vector<torch::Tensor> pos;         // their position embeddings (T, C, h_l, w_l)
    int64_t frames = 0, height = 0, width = 0;  // T and the model input size
};

struct TextFeatures {
    torch::Tensor words;     // (L, 1, C) after `resizer`
    torch::Tensor mask;      // (1, L) true on padding
    torch::Tensor sentence;  // (1, C) resizer(pooler_output), or the mean word (SentenceFeature::mean_words)
};

struct ReferFormerImpl : torch::nn::Module {
    explicit ReferFormerImpl(const ReferFormerConfig& config);

    ReferFormerOutputs forward(const torch::Tensor& frames, const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                               bool all_layer_masks = false, StageTimes* times = nullptr);
    ClipFeatures encode_clip(const torch::Tensor& frames, StageTimes* times = nullptr);
    TextFeatures encode_text(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, StageTimes* times = nullptr);
    ReferFormerOutputs decode(const ClipFeatures& clip, const TextFeatures& text, bool all_layer_masks = false,
                              StageTimes* times = nullptr);

    // Every MSDeformAttn of the model uses this kernel (chosen once, not per instance).
    void set_msda_kernel(MSDAKernel kernel);

    ReferFormerConfig config;
    std::unique_ptr<Backbone> backbone;
    RobertaModel text_encoder{nullptr};
    FeatureResizer resizer{nullptr};
    std::vector<torch::nn::Sequential> input_proj;  // input_proj.{l}.{0: conv, 1: GroupNorm(32)}
    VisionLanguageFusion fusion_module{nullptr};
    torch::Tensor level_embed;                      // transformer.level_embed (levels, C)
    std::vector<DeformableEncoderLayer> encoder_layers;  // transformer.encoder.layers.*
    std::vector<DeformableDecoderLayer> decoder_layers;  // transformer.decoder.layers.*
    torch::nn::Linear reference_points{nullptr};    // transformer.reference_points
    FeatureResizer query_mixer{nullptr};            // transformer.query_mixer (R2-VOS)
    CrossModalFPNDecoder cross_fpn{nullptr};        // pixel_decoder.* (ReferFormer)
    DualCrossModalFPNDecoder dual_fpn{nullptr};     // pixel_decoder.* (R2-VOS)
    torch::nn::Embedding query_embed{nullptr};
    std::vector<torch::nn::Linear> class_embed;     // class_embed.{l}
    std::vector<MLP> bbox_embed;                    // bbox_embed.{l}.layers.*
    MLP controller{nullptr};
    MLP neg_classifier{nullptr};                    // R2-VOS
    // PseudoSentence::grounded_video: Linear, ReLU, Linear, LayerNorm from the pooled video.
    torch::nn::Sequential grounded_pseudo{nullptr};
    // SentenceFeature::mean_words_and_bag: one vector per hashed word, and the norm of their mean.
    static constexpr int64_t kWordBuckets = 1024;
    torch::nn::Embedding word_bag{nullptr};
    torch::nn::LayerNorm word_bag_norm{nullptr};

private:
    torch::Tensor word_bag_feature(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
    torch::Tensor grounded_pseudo_sentence(const ClipFeatures& clip, ReferFormerOutputs& out);
};
TORCH_MODULE(ReferFormer);

// Deformable DETR's inverse_sigmoid: log(x / (1 − x)) with both clamped to ≥ 1e-5.
torch::Tensor inverse_sigmoid(const torch::Tensor& x, double eps = 1e-5);

}  // namespace r2::nn
