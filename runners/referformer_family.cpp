// The R2-VOS / ReferFormer family behind SegmentationModel: the clip's backbone features are
// computed once and decoded for each sentence, and the masks come from postprocess_referformer,
// the function the parity tests check against the official inference script.
#include <algorithm>
#include <cctype>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "model_zoo/postprocess.h"
#include "runners/segmentation_model.h"

namespace r2 {

namespace {

struct ReferFormerClip : SegmentationModel::Clip {
    nn::ClipFeatures features;
};

class ReferFormerFamily : public SegmentationModel {
public:
    ReferFormerFamily(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device)
        : loaded_(std::move(loaded)), tokenizer_(std::move(tokenizer)), device_(device) {
        loaded_.model->to(device_);
    }
    const Preprocessing& preprocessing() const override { return loaded_.entry->preprocessing; }

    std::shared_ptr<const Clip> encode_clip(const torch::Tensor& frames) override {
        auto clip = std::make_shared<ReferFormerClip>();
        clip->features = loaded_.model->encode_clip(frames);
        return clip;
    }

    SegmentResult segment(const Clip& clip, const std::string& sentence, int64_t height, int64_t width) override {
        const auto tokens = tokenize_sentence(tokenizer_, loaded_.model->config.text_encoder, loaded_.entry->preprocessing, sentence, device_);
        const auto& features = static_cast<const ReferFormerClip&>(clip).features;
        const nn::TextFeatures words = loaded_.model->encode_text(tokens.input_ids, tokens.attention_mask);
        const nn::ReferFormerOutputs out = loaded_.model->decode(features, words);
        return to_segment_result(nn::postprocess_referformer(out, height, width));
    }

private:
    LoadedModel loaded_;
    BpeTokenizer tokenizer_;
    torch::Device device_;
};

}  // namespace

SegmentResult to_segment_result(const nn::ClipPrediction& p) {
    SegmentResult r;
    r.best_query = p.best_query;
    const auto scores = p.frame_scores.to(torch::kCPU, torch::kDouble).contiguous();
    r.frame_scores.assign(scores.data_ptr<double>(), scores.data_ptr<double>() + scores.numel());
    r.alignment = p.alignment;
    r.rejected = p.rejected;
    r.masks = p.output_masks().to(torch::kCPU).contiguous();
    return r;
}

SentenceTokens tokenize_sentence(const BpeTokenizer& tokenizer, const nn::RobertaConfig& text_config, const Preprocessing& pre,
                                 const std::string& sentence, const torch::Device& device) {
    std::string text = sentence;
    if (pre.lowercase_text) {
        // " ".join(text.lower().split()), as MTTR's dataset cleans a query (ASCII case only, like
        // the other byte-level steps here; Ref-YouTube-VOS expressions are ASCII).
        std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        std::istringstream words(text);
        std::string word, joined;
        while (words >> word) joined += (joined.empty() ? "" : " ") + word;
        text = joined;
    }
    // RoBERTa numbers positions from pad_id + 1, so a sentence longer than the position table
    // would index past it: cut it there (keeping </s>), as Hugging Face's truncation does. Only
    // the tiny models' 66 positions are reached by real expressions (byte-level tokens).
    const Encoding enc = tokenizer.encode(text, size_t(text_config.max_position_embeddings - text_config.pad_token_id - 1));
    const auto n = int64_t(enc.ids.size());
    return {torch::tensor(enc.ids, torch::kInt64).view({1, n}).to(device),
            torch::tensor(enc.attention_mask, torch::kInt64).view({1, n}).to(device)};
}

std::unique_ptr<SegmentationModel> make_referformer_family(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device) {
    return std::make_unique<ReferFormerFamily>(std::move(loaded), std::move(tokenizer), device);
}

LoadedSegmentationModel load_segmentation_model(const ModelSpec& spec) {
    if (spec.device.is_cuda() && !torch::cuda::is_available())
        throw Error("--device cuda: this r2bench's libtorch sees no CUDA device (Debian's libtorch is CPU-only; build "
                    "against a CUDA libtorch, see README), or use --device cpu");
    const RunnableModel* entry = find_runnable_model(spec.name);
    LoadedModel loaded = load_runnable_model(spec.name, spec.weights_dir, spec.weights_file, spec.allow_synthetic);
    // RoBERTa's files: --text-dir, else <weights_dir>/roberta (what the registry's help says).
    const auto text_dir = spec.text_dir.empty() ? spec.weights_dir / "roberta" : spec.text_dir;
    BpeTokenizer tokenizer = tokenizer_for(*entry, text_dir);
    LoadedSegmentationModel out;
    out.family = entry->family;
    out.weights = loaded.weights;
    out.parameters = parameter_count(*loaded.module());
    const Preprocessing& pre = entry->preprocessing;
    out.config = {{"family", entry->family},
                  {"backbone", entry->backbone},
                  {"text_encoder", entry->text_encoder},
                  {"parameters", out.parameters},
                  {"num_queries", entry->family == "mttr" ? loaded.mttr->config.num_queries : loaded.model->config.num_queries},
                  {"preprocessing",
                   {{"resize", "PIL bilinear (antialiased), torchvision Resize"},
                    {"shorter_side", pre.shorter_side},
                    {"max_longer_side", pre.max_longer_side},
                    {"mean", {pre.mean[0], pre.mean[1], pre.mean[2]}},
                    {"std", {pre.std[0], pre.std[1], pre.std[2]}},
                    {"resize_rule", pre.detr_max_size ? "DETR RandomResize(max_size)" : "torchvision Resize(max_size)"},
                    {"lowercase_text", pre.lowercase_text}}},
                  {"postprocessing", entry->family == "r2vos"  ? "best query by mean class score, sigmoid > 0.5, "
                                                                 "clip rejected when sigmoid(pair_logit) >= 0.5"
                                     : entry->family == "mttr" ? "best query by mean referred probability, bilinear to the input size, "
                                                                 "sigmoid > 0.5, nearest to the original size"
                                                               : "best query by mean class score, sigmoid > 0.5"}};
    out.model = entry->family == "mttr" ? make_mttr_family(std::move(loaded), std::move(tokenizer), spec.device)
                                        : make_referformer_family(std::move(loaded), std::move(tokenizer), spec.device);
    return out;
}

}  // namespace r2
