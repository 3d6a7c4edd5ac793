// The MTTR family behind SegmentationModel: the backbone and the projection of its stride-16
// stage are computed once per clip; the multimodal encoder mixes words into every video token, so
// everything after it runs per sentence. Masks come from postprocess_mttr, the function the
// parity test checks against the official ReferYoutubeVOSPostProcess.
#include "runners/segmentation_model.h"

namespace r2 {

namespace {

struct MTTRClip : SegmentationModel::Clip {
    nn::MTTRClipFeatures features;
};

class MTTRFamily : public SegmentationModel {
public:
    MTTRFamily(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device)
        : loaded_(std::move(loaded)), tokenizer_(std::move(tokenizer)), device_(device) {
        loaded_.mttr->to(device_);
    }
    const Preprocessing& preprocessing() const override { return loaded_.entry->preprocessing; }

    std::shared_ptr<const Clip> encode_clip(const torch::Tensor& frames) override {
        auto clip = std::make_shared<MTTRClip>();
        clip->features = loaded_.mttr->encode_clip(frames);
        return clip;
    }

    SegmentResult segment(const Clip& clip, const std::string& sentence, int64_t height, int64_t width) override {
        const auto tokens = tokenize_sentence(tokenizer_, loaded_.mttr->config.text_encoder, loaded_.entry->preprocessing, sentence, device_);
        const auto& features = static_cast<const MTTRClip&>(clip).features;
        const nn::MTTROutputs out = loaded_.mttr->decode(features, loaded_.mttr->encode_text(tokens.input_ids, tokens.attention_mask));
        return to_segment_result(nn::postprocess_mttr(out, features.height, features.width, height, width));
    }

private:
    LoadedModel loaded_;
    BpeTokenizer tokenizer_;
    torch::Device device_;
};

}  // namespace

std::unique_ptr<SegmentationModel> make_mttr_family(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device) {
    return std::make_unique<MTTRFamily>(std::move(loaded), std::move(tokenizer), device);
}

}  // namespace r2
