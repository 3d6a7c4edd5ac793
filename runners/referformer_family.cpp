// The R2-VOS / ReferFormer family behind SegmentationModel: the clip's backbone features are
// computed once and decoded for each sentence, and the masks come from postprocess_referformer,
// the function the parity tests check against the official inference script.
#include <algorithm>
#include <cctype>

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
        std::string text = sentence;
        if (loaded_.entry->preprocessing.lowercase_text)
            std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        // RoBERTa numbers positions from pad_id + 1, so a sentence longer than the position table
        // would index past it: cut it there (keeping </s>), as Hugging Face's truncation does. Only
        // the tiny models' 66 positions are reached by real expressions (byte-level tokens).
        const auto& text_config = loaded_.model->config.text_encoder;
        const Encoding enc = tokenizer_.encode(text, size_t(text_config.max_position_embeddings - text_config.pad_token_id - 1));
        const auto n = int64_t(enc.ids.size());
        const auto ids = torch::tensor(enc.ids, torch::kInt64).view({1, n}).to(device_);
        const auto mask = torch::tensor(enc.attention_mask, torch::kInt64).view({1, n}).to(device_);
        const auto& features = static_cast<const ReferFormerClip&>(clip).features;
        const nn::TextFeatures words = loaded_.model->encode_text(ids, mask);
        const nn::ReferFormerOutputs out = loaded_.model->decode(features, words);
        const nn::ClipPrediction p = nn::postprocess_referformer(out, height, width);
        SegmentResult r;
        r.best_query = p.best_query;
        const auto scores = p.frame_scores.to(torch::kCPU, torch::kDouble).contiguous();
        r.frame_scores.assign(scores.data_ptr<double>(), scores.data_ptr<double>() + scores.numel());
        r.alignment = p.alignment;
        r.rejected = p.rejected;
        r.masks = p.output_masks().to(torch::kCPU).contiguous();
        return r;
    }

private:
    LoadedModel loaded_;
    BpeTokenizer tokenizer_;
    torch::Device device_;
};

}  // namespace

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
    out.parameters = parameter_count(*loaded.model);
    const Preprocessing& pre = entry->preprocessing;
    out.config = {{"family", entry->family},
                  {"backbone", entry->backbone},
                  {"text_encoder", entry->text_encoder},
                  {"parameters", out.parameters},
                  {"num_queries", loaded.model->config.num_queries},
                  {"preprocessing",
                   {{"resize", "PIL bilinear (antialiased), torchvision Resize"},
                    {"shorter_side", pre.shorter_side},
                    {"max_longer_side", pre.max_longer_side},
                    {"mean", {pre.mean[0], pre.mean[1], pre.mean[2]}},
                    {"std", {pre.std[0], pre.std[1], pre.std[2]}},
                    {"lowercase_text", pre.lowercase_text}}},
                  {"postprocessing", entry->family == "r2vos" ? "best query by mean class score, sigmoid > 0.5, "
                                                                "clip rejected when sigmoid(pair_logit) >= 0.5"
                                                              : "best query by mean class score, sigmoid > 0.5"}};
    out.model = std::make_unique<ReferFormerFamily>(std::move(loaded), std::move(tokenizer), spec.device);
    return out;
}

}  // namespace r2
