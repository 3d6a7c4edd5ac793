#include "model_zoo/referformer.h"

#include "model_zoo/module_group.h"
#include "model_zoo/position_embedding.h"

namespace r2::nn {

namespace F = torch::nn::functional;

namespace {

using torch::indexing::Slice;

torch::Tensor no_padding(int64_t frames, int64_t h, int64_t w, const torch::Device& device) {
    return torch::zeros({frames, h, w}, torch::TensorOptions().dtype(torch::kBool).device(device));
}

}  // namespace

torch::Tensor inverse_sigmoid(const torch::Tensor& x, double eps) {
    const auto c = x.clamp(0, 1);
    return torch::log(c.clamp_min(eps) / (1 - c).clamp_min(eps));
}

ReferFormerConfig ReferFormerConfig::referformer(const std::string& backbone) {
    ReferFormerConfig c;
    c.backbone = backbone;
    return c;
}

ReferFormerConfig ReferFormerConfig::r2vos(const std::string& backbone) {
    ReferFormerConfig c = referformer(backbone);
    c.text_encoder = RobertaConfig::distilroberta_base();
    c.dual_fpn = c.use_cycle = c.mix_query = c.neg_cls = true;
    return c;
}

ReferFormerConfig ReferFormerConfig::referformer_tiny() {
    ReferFormerConfig c;
    c.backbone = "tiny_cnn";
    c.text_encoder = RobertaConfig::tiny(260);  // <s> <pad> </s> <unk> and the 256 bytes
    c.hidden_dim = 64, c.nheads = 4, c.enc_layers = 2, c.dec_layers = 2, c.dim_feedforward = 256;
    c.mask_dim = 64, c.cycle_dim = 64;
    return c;
}

ReferFormerConfig ReferFormerConfig::r2vos_tiny() {
    ReferFormerConfig c = referformer_tiny();
    c.dual_fpn = c.use_cycle = c.mix_query = c.neg_cls = true;
    return c;
}

ReferFormerConfig ReferFormerConfig::r2vos_tiny_grounded() {
    ReferFormerConfig c = r2vos_tiny();
    c.pseudo_sentence = PseudoSentence::grounded_video;
    c.sentence_feature = SentenceFeature::mean_words_and_bag;
    c.pair_input = PairInput::concat_product;
    return c;
}

int64_t ReferFormerConfig::dynamic_params() const {
    const int64_t in = mask_dim + (rel_coord ? 2 : 0), ch = dynamic_mask_channels;
    int64_t n = 0;
    for (int64_t l = 0; l < controller_layers; ++l) {
        const int64_t fan_in = l == 0 ? in : ch, fan_out = l == controller_layers - 1 ? 1 : ch;
        n += fan_in * fan_out + fan_out;
    }
    return n;
}

ReferFormerImpl::ReferFormerImpl(const ReferFormerConfig& c) : config(c) {
    TORCH_CHECK(c.num_feature_levels == 4, "ReferFormer uses 4 feature levels");
    TORCH_CHECK(!c.mix_query || c.use_cycle, "mix_query needs the cycle head");
    TORCH_CHECK(c.controller_layers == 3, "the dynamic mask head has 3 convolutions");
    const int64_t C = c.hidden_dim;
    backbone = make_backbone(c.backbone);
    const auto shape = backbone->output_shape();
    register_module("backbone", std::make_shared<Group>())->register_module("0", std::make_shared<Group>())->register_module("body", backbone->module());

    text_encoder = register_module("text_encoder", RobertaModel(c.text_encoder));
    resizer = register_module("resizer", FeatureResizer(c.text_encoder.hidden_size, C));

    // input_proj: 1x1 convs on strides 8, 16, 32, then a 3x3 stride-2 conv on stride 32.
    auto projections = register_module("input_proj", torch::nn::ModuleList());
    for (int64_t l = 0; l < c.num_feature_levels; ++l) {
        const bool extra = l >= 3;
        const int64_t in = shape.channels[std::min<int64_t>(l + 1, 3)];
        torch::nn::Sequential proj(
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in, C, extra ? 3 : 1).stride(extra ? 2 : 1).padding(extra ? 1 : 0)),
            torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, C)));
        projections->push_back(proj);
        input_proj.push_back(proj);
    }
    fusion_module = register_module("fusion_module", VisionLanguageFusion(C, 8));

    auto transformer = register_module("transformer", std::make_shared<Group>());
    level_embed = transformer->register_parameter("level_embed", torch::randn({c.num_feature_levels, C}));
    auto encoder = transformer->register_module("encoder", std::make_shared<Group>())->register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.enc_layers; ++i) {
        encoder_layers.push_back(DeformableEncoderLayer(C, c.dim_feedforward, c.num_feature_levels, c.nheads, c.enc_n_points));
        encoder->push_back(encoder_layers.back());
    }
    auto decoder = transformer->register_module("decoder", std::make_shared<Group>())->register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.dec_layers; ++i) {
        decoder_layers.push_back(DeformableDecoderLayer(C, c.dim_feedforward, c.num_feature_levels, c.nheads, c.dec_n_points));
        decoder->push_back(decoder_layers.back());
    }
    reference_points = transformer->register_module("reference_points", torch::nn::Linear(C, 2));
    if (c.mix_query) query_mixer = transformer->register_module("query_mixer", FeatureResizer(2 * C, C));

    if (c.dual_fpn) dual_fpn = register_module("pixel_decoder", DualCrossModalFPNDecoder(shape.channels[0], C, c.mask_dim, c.dim_feedforward, c.use_cycle, c.cycle_dim));
    else cross_fpn = register_module("pixel_decoder", CrossModalFPNDecoder(shape.channels[0], C, c.mask_dim, c.dim_feedforward));

    query_embed = register_module("query_embed", torch::nn::Embedding(c.num_queries, C));
    auto classes = register_module("class_embed", torch::nn::ModuleList());
    auto boxes = register_module("bbox_embed", torch::nn::ModuleList());
    for (int64_t l = 0; l < c.dec_layers; ++l) {
        // Without box refinement the official code repeats ONE head in both lists; with it, one per layer.
        if (l == 0 || c.with_box_refine) {
            class_embed.push_back(torch::nn::Linear(C, c.num_classes));
            bbox_embed.push_back(MLP(C, C, 4, 3));
        } else {
            class_embed.push_back(class_embed.front());
            bbox_embed.push_back(bbox_embed.front());
        }
        classes->push_back(class_embed.back());
        boxes->push_back(bbox_embed.back());
    }
    // The controller is a 3-layer MLP whatever the number of dynamic convolutions (controller_layers).
    controller = register_module("controller", MLP(C, C, c.dynamic_params(), 3));
    if (c.neg_cls) neg_classifier = register_module("neg_classifier", MLP((c.pair_input == PairInput::concat ? 2 : 3) * C, C, 1, 3));
    if (c.sentence_feature == SentenceFeature::mean_words_and_bag) {
        TORCH_CHECK(c.text_encoder.vocab_size == 260, "the bag of words reads byte-level token ids (the tiny text encoder)");
        word_bag = register_module("word_bag", torch::nn::Embedding(kWordBuckets, C));
        word_bag_norm = register_module("word_bag_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({C})));
    }
    if (c.pseudo_sentence == PseudoSentence::grounded_video) {
        TORCH_CHECK(c.neg_cls, "the grounded pseudo sentence feeds the pair classifier: it needs neg_cls");
        const int64_t pooled = shape.channels[0] + shape.channels[1] + shape.channels[2] + 1;  // + the mask's area
        grounded_pseudo = register_module("grounded_pseudo", torch::nn::Sequential(torch::nn::Linear(pooled, C), torch::nn::ReLU(),
                                                                                    torch::nn::Linear(C, C), torch::nn::LayerNorm(torch::nn::LayerNormOptions({C}))));
    }
}

void ReferFormerImpl::set_msda_kernel(MSDAKernel kernel) {
    for (auto& layer : encoder_layers) layer->self_attn->kernel = kernel;
    for (auto& layer : decoder_layers) layer->cross_attn->kernel = kernel;
}

ClipFeatures ReferFormerImpl::encode_clip(const torch::Tensor& frames, StageTimes* times) {
    StageTimer timer(times, "backbone");
    ClipFeatures clip;
    clip.frames = frames.size(0), clip.height = frames.size(2), clip.width = frames.size(3);
    clip.levels = backbone->forward(frames);
    for (const auto& level : clip.levels)
        clip.pos.push_back(position_embedding_sine_2d(no_padding(clip.frames, level.size(2), level.size(3), level.device()), config.hidden_dim / 2));
    return clip;
}

TextFeatures ReferFormerImpl::encode_text(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, StageTimes* times) {
    StageTimer timer(times, "text");
    const auto encoded = text_encoder(input_ids, attention_mask);
    const auto words = resizer(encoded.last_hidden_state);  // (1, L, C)
    torch::Tensor sentence;
    switch (config.sentence_feature) {
        case SentenceFeature::pooler: sentence = resizer(encoded.pooler_output); break;
        case SentenceFeature::mean_words:
        case SentenceFeature::mean_words_and_bag: {
            const auto weight = attention_mask.to(words.scalar_type()).unsqueeze(-1);  // (1, L, 1)
            sentence = (words * weight).sum(1) / weight.sum(1).clamp_min(1);
            if (config.sentence_feature == SentenceFeature::mean_words_and_bag) sentence = sentence + word_bag_feature(input_ids, attention_mask);
            break;
        }
        case SentenceFeature::max_words:
            sentence = words.masked_fill(attention_mask.eq(0).unsqueeze(-1), -1e4).amax(1);
            break;
    }
    return {words.permute({1, 0, 2}), attention_mask.ne(1), sentence};
}

// The byte-level tokenizer gives id 4 + b for byte b (after <s> <pad> </s> <unk>): a word is a run
// of bytes between spaces and special tokens, hashed (FNV-1a) into one of kWordBuckets vectors.
torch::Tensor ReferFormerImpl::word_bag_feature(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
    const auto ids = input_ids.to(torch::kCPU, torch::kInt64).contiguous();
    const auto mask = attention_mask.to(torch::kCPU, torch::kInt64).contiguous();
    const int64_t* id = ids.data_ptr<int64_t>();
    const int64_t* valid = mask.data_ptr<int64_t>();
    constexpr int64_t kSpace = 4 + ' ';
    std::vector<int64_t> buckets;
    uint64_t hash = 1469598103934665603ULL;
    bool in_word = false;
    auto end_word = [&] {
        if (in_word) buckets.push_back(int64_t(hash % uint64_t(kWordBuckets)));
        hash = 1469598103934665603ULL, in_word = false;
    };
    for (int64_t i = 0; i < ids.numel(); ++i) {
        if (!valid[i] || id[i] < 4 || id[i] == kSpace) {
            end_word();
            continue;
        }
        hash = (hash ^ uint64_t(id[i] - 4)) * 1099511628211ULL;
        in_word = true;
    }
    end_word();
    if (buckets.empty()) return torch::zeros({1, config.hidden_dim}, word_bag->weight.options());
    const auto index = torch::tensor(buckets, torch::kInt64).to(word_bag->weight.device());
    return word_bag_norm(word_bag(index).mean(0, true));  // (1, C)
}

// p(E | V, M): what the video shows where the model grounded the sentence. The region is the
// queries' masks weighted by softmax over their clip scores, detached so that the pair loss
// trains the reading of the region and not the region itself.
torch::Tensor ReferFormerImpl::grounded_pseudo_sentence(const ClipFeatures& clip, ReferFormerOutputs& out) {
    const auto scores = out.pred_logits[-1].squeeze(-1).mean(0).detach();         // (Q)
    const auto query_weight = torch::softmax(scores, 0).view({1, -1, 1, 1});        // (1, Q, 1, 1)
    const auto region = (out.pred_masks.back().detach().sigmoid() * query_weight).sum(1, true);  // (T, 1, H/4, W/4)
    out.grounding = region.squeeze(1);
    std::vector<torch::Tensor> parts;
    for (int level = 0; level < 3; ++level) {
        const auto& features = clip.levels[size_t(level)];  // (T, C_l, h_l, w_l), no text in them
        const auto weight = F::adaptive_avg_pool2d(region, F::AdaptiveAvgPool2dFuncOptions({features.size(2), features.size(3)}));
        // The + 1 keeps an empty region's feature near zero instead of dividing by nothing.
        parts.push_back((features * weight).sum({0, 2, 3}) / (weight.sum() + 1));
    }
    parts.push_back(region.mean().reshape({1}));
    return grounded_pseudo->forward(torch::cat(parts).unsqueeze(0));  // (1, C)
}

ReferFormerOutputs ReferFormerImpl::forward(const torch::Tensor& frames, const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                            bool all_layer_masks, StageTimes* times) {
    return decode(encode_clip(frames, times), encode_text(input_ids, attention_mask, times), all_layer_masks, times);
}

ReferFormerOutputs ReferFormerImpl::decode(const ClipFeatures& clip, const TextFeatures& text, bool all_layer_masks, StageTimes* times) {
    const auto& c = config;
    const int64_t T = clip.frames, C = c.hidden_dim, Q = c.num_queries, L = c.num_feature_levels;
    const auto device = clip.levels[0].device();
    const auto text_pos = position_embedding_sine_1d(text.mask, C).permute({2, 0, 1});  // (L_text, 1, C)
    ReferFormerOutputs out;
    out.text_sentence_feature = text.sentence;

    // Early fusion of the 4 projected levels with the words; flattened for the encoder.
    std::vector<torch::Tensor> srcs, pos;
    std::vector<int64_t> shapes;
    torch::Tensor src_flat, pos_flat, spatial_shapes, level_start, valid_ratios, memory;
    {
        StageTimer timer(times, "encoder");
        for (int64_t l = 0; l < L; ++l) {
            const auto projected = input_proj[l]->forward(l < 3 ? clip.levels[l + 1] : clip.levels[3]);
            const int64_t h = projected.size(2), w = projected.size(3);
            const auto fused = fusion_module(frames_to_tokens(projected, 1), text.words, text.mask, text_pos);
            srcs.push_back(tokens_to_frames(fused, T, h, w));
            pos.push_back(l < 3 ? clip.pos[l + 1] : position_embedding_sine_2d(no_padding(T, h, w, device), C / 2));
            shapes.push_back(h), shapes.push_back(w);
        }
        std::vector<torch::Tensor> src_levels, pos_levels;
        for (int64_t l = 0; l < L; ++l) {
            src_levels.push_back(srcs[l].flatten(2).transpose(1, 2));                           // (T, h·w, C)
            pos_levels.push_back(pos[l].flatten(2).transpose(1, 2) + level_embed[l].view({1, 1, C}));
        }
        src_flat = torch::cat(src_levels, 1), pos_flat = torch::cat(pos_levels, 1);
        spatial_shapes = torch::tensor(shapes, torch::kInt64).view({L, 2}).to(device);
        level_start = torch::cat({torch::zeros({1}, spatial_shapes.options()), spatial_shapes.prod(1).cumsum(0).slice(0, 0, L - 1)});
        // One clip, no padding: every level is valid over its whole size.
        valid_ratios = torch::ones({T, L, 2}, src_flat.options());
        const auto encoder_ref = encoder_reference_points(spatial_shapes, valid_ratios);
        memory = src_flat;
        for (auto& layer : encoder_layers) memory = layer->forward(memory, pos_flat, encoder_ref, spatial_shapes, level_start);
    }

    // Pixel decoder on the memory of strides 8, 16, 32 and the backbone's stride 4.
    {
        StageTimer timer(times, "pixel decoder");
        PixelDecoderInput in;
        in.stride4 = clip.levels[0];
        int64_t start = 0;
        for (int64_t l = 0; l < 3; ++l) {
            const int64_t h = shapes[2 * l], w = shapes[2 * l + 1];
            in.memory.push_back(memory.slice(1, start, start + h * w).view({T, h, w, C}).permute({0, 3, 1, 2}).contiguous());
            start += h * w;
        }
        in.vision_pos = clip.pos;
        for (const auto& level : clip.levels) in.vision_mask.push_back(no_padding(T, level.size(2), level.size(3), device));
        in.text = text.words, in.text_mask = text.mask, in.frames = T;
        auto decoded = c.dual_fpn ? dual_fpn(in) : cross_fpn(in);
        out.mask_features = decoded.mask_features;
        if (decoded.pseudo_sentence_feature.defined()) out.pseudo_sentence_feature = decoded.pseudo_sentence_feature.squeeze(0);
    }

    // Queries: the sentence feature as content in every frame, query_embed as position.
    torch::Tensor hs, init_reference;
    std::vector<torch::Tensor> layer_outputs, layer_references;
    {
        StageTimer timer(times, "decoder");
        auto tgt = text.sentence.view({1, 1, C}).expand({T, Q, C});
        if (c.mix_query) {
            const auto pseudo = out.pseudo_sentence_feature.view({1, 1, C}).expand({T, Q, C});
            tgt = tgt + query_mixer(torch::cat({tgt, pseudo}, -1));
        }
        const auto query_pos = query_embed->weight.unsqueeze(0).expand({T, Q, C});
        auto reference = reference_points(query_pos).sigmoid();  // (T, Q, 2)
        init_reference = reference;
        auto output = tgt.contiguous();
        for (size_t lid = 0; lid < decoder_layers.size(); ++lid) {
            // Valid ratios are 1, so the reference points are the same on every level.
            const auto ref_input = reference.unsqueeze(2).expand({T, Q, L, reference.size(-1)});
            output = decoder_layers[lid]->forward(output, query_pos, ref_input, memory, spatial_shapes, level_start);
            if (c.with_box_refine) {
                // Iterative box refinement: the first layer turns the 2-d points into boxes.
                auto delta = bbox_embed[lid](output);
                if (reference.size(-1) == 4) reference = (delta + inverse_sigmoid(reference)).sigmoid();
                else reference = torch::cat({delta.slice(-1, 0, 2) + inverse_sigmoid(reference), delta.slice(-1, 2, 4)}, -1).sigmoid();
            }
            layer_outputs.push_back(output);
            layer_references.push_back(reference);
        }
        // Heads of every layer: boxes relative to the reference the layer started from.
        std::vector<torch::Tensor> logits, boxes;
        for (size_t l = 0; l < layer_outputs.size(); ++l) {
            const auto& ref = l == 0 ? init_reference : layer_references[l - 1];
            logits.push_back(class_embed[l](layer_outputs[l]));
            auto box = bbox_embed[l](layer_outputs[l]);
            if (ref.size(-1) == 4) box = box + inverse_sigmoid(ref);
            else box = torch::cat({box.slice(-1, 0, 2) + inverse_sigmoid(ref), box.slice(-1, 2, 4)}, -1);
            boxes.push_back(box.sigmoid());
        }
        out.pred_logits = torch::stack(logits), out.pred_boxes = torch::stack(boxes);
    }

    // Dynamic mask head. The official code repeats the mask features for every query and runs
    // grouped 1x1 convolutions; a 1x1 convolution is a matrix product over channels, so here the
    // first layer is one product per frame (queries × channels · channels × pixels) plus the two
    // coordinate channels, with no (T·Q·C·h·w) copy.
    {
        StageTimer timer(times, "mask head");
        const auto& mf = out.mask_features;  // (T, M, h, w)
        const int64_t M = mf.size(1), h = mf.size(2), w = mf.size(3), ch = c.dynamic_mask_channels, N = T * Q;
        const auto options = mf.options();
        const double stride = double(c.mask_stride);
        const auto xs = torch::arange(0.0, double(w) * stride, stride, options) + double(c.mask_stride / 2);
        const auto ys = torch::arange(0.0, double(h) * stride, stride, options) + double(c.mask_stride / 2);
        const auto features = mf.flatten(2);  // (T, M, h·w)
        out.pred_masks.resize(layer_outputs.size());
        for (size_t l = 0; l < layer_outputs.size(); ++l) {
            if (!all_layer_masks && l + 1 < layer_outputs.size()) continue;
            const auto params = controller(layer_outputs[l]).reshape({N, -1});
            const int64_t in0 = M + (c.rel_coord ? 2 : 0);
            const auto split = params.split_with_sizes({in0 * ch, ch * ch, ch, ch, ch, 1}, 1);
            const auto w0 = split[0].reshape({T, Q * ch, in0});
            auto x = torch::bmm(w0.slice(2, 0, M), features).reshape({N, ch, h * w});
            if (c.rel_coord) {
                // Relative coordinates in input pixels: reference point − location of each pixel.
                const auto ref = layer_references[l].slice(-1, 0, 2).reshape({N, 2}) *
                                 torch::tensor({double(clip.width), double(clip.height)}, options);
                const auto rel_x = (ref.select(1, 0).reshape({N, 1, 1}) - xs.reshape({1, 1, w})).expand({N, h, w}).reshape({N, 1, h * w});
                const auto rel_y = (ref.select(1, 1).reshape({N, 1, 1}) - ys.reshape({1, h, 1})).expand({N, h, w}).reshape({N, 1, h * w});
                const auto w0n = w0.reshape({N, ch, in0});
                x = x + w0n.select(2, M).unsqueeze(2) * rel_x + w0n.select(2, M + 1).unsqueeze(2) * rel_y;
            }
            x = torch::relu(x + split[3].reshape({N, ch, 1}));
            x = torch::relu(torch::bmm(split[1].reshape({N, ch, ch}), x) + split[4].reshape({N, ch, 1}));
            x = torch::bmm(split[2].reshape({N, 1, ch}), x) + split[5].reshape({N, 1, 1});
            out.pred_masks[l] = x.reshape({T, Q, h, w});
        }
    }

    StageTimer timer(times, "pair head");
    if (c.pseudo_sentence == PseudoSentence::grounded_video) {
        // The official p still feeds the query mixer above (it is needed before the masks exist);
        // the cycle losses and the pair classifier read the grounded one.
        if (out.pred_masks.back().defined()) out.pseudo_sentence_feature = grounded_pseudo_sentence(clip, out);
    }
    if (c.neg_cls) {
        const auto& s = text.sentence;
        const auto& p = out.pseudo_sentence_feature;
        out.pair_logit = neg_classifier(c.pair_input == PairInput::concat ? torch::cat({s, p}, -1) : torch::cat({s, p, s * p}, -1));
    }
    return out;
}

}  // namespace r2::nn
