#include "model_zoo/referformer_family.h"

#include <fmt/format.h>

#include "core/error.h"
#include "model_zoo/parameter_counts.h"
#include "model_zoo/postprocess.h"
#include "model_zoo/registry.h"
#include "model_zoo/training_init.h"

namespace r2 {

namespace {

nn::ReferFormerImpl& referformer(torch::nn::Module& module) {
    auto* model = dynamic_cast<nn::ReferFormerImpl*>(&module);
    if (!model) throw Error("ReferFormerFamily: the module is not a ReferFormer");
    return *model;
}

}  // namespace

std::string ReferFormerFamily::postprocessing() const {
    return config.is_r2vos() ? "best query by mean class score, sigmoid > 0.5, clip rejected when sigmoid(pair_logit) >= 0.5"
                             : "best query by mean class score, sigmoid > 0.5";
}

int64_t ReferFormerFamily::parameter_count() const { return nn::parameter_count(config); }

std::shared_ptr<torch::nn::Module> ReferFormerFamily::build_module(const std::map<std::string, torch::Tensor>* weights) const {
    return nn::ReferFormer(weights ? config_for_weights(config, *weights) : config).ptr();
}

void ReferFormerFamily::prepare_for_training(torch::nn::Module& module, uint64_t seed) const {
    nn::initialize_for_training(referformer(module), seed);
    // The fast CPU kernel, with its backward (train_model may choose the reference instead).
    referformer(module).set_msda_kernel(nn::MSDAKernel::fast);
}

void ReferFormerFamily::set_msda_kernel(torch::nn::Module& module, nn::MSDAKernel kernel) const {
    referformer(module).set_msda_kernel(kernel);
}

void ReferFormerFamily::forward(torch::nn::Module& module, const torch::Tensor& frames, const torch::Tensor& input_ids,
                                const torch::Tensor& attention_mask, nn::StageTimes* times) const {
    referformer(module).forward(frames, input_ids, attention_mask, false, times);
}

nn::Losses ReferFormerFamily::training_loss(torch::nn::Module& module, const TrainingBatch& batch, const BpeTokenizer& tokenizer,
                                            const Preprocessing& preprocessing, const torch::Device& device, nn::StageTimes* times) const {
    auto& model = referformer(module);
    const bool negatives = trains_on_negative_sentences();
    if (negatives && batch.negative_captions.size() != batch.clips.size())
        throw Error("ReferFormerFamily::training_loss: R2-VOS needs one negative sentence per clip");
    const size_t B = batch.clips.size();
    std::vector<nn::ReferFormerOutputs> positive(B), negative(B);
    std::vector<nn::ReferFormerTarget> targets(B);
    std::vector<nn::ReferFormerSample> samples;
    auto text = [&](const std::string& sentence) {
        const auto tokens = tokenize_sentence(tokenizer, model.config.text_encoder, preprocessing, sentence, device);
        return model.encode_text(tokens.input_ids, tokens.attention_mask, times);
    };
    for (size_t b = 0; b < B; ++b) {
        const TrainClip& clip = *batch.clips[b];
        const auto features = model.encode_clip(clip.frames.to(device), times);
        positive[b] = model.decode(features, text(clip.caption), true, times);
        // As the official code: the same clip with the other sentence, through the sentence, the
        // pseudo sentence and the pair logit only.
        if (negatives) negative[b] = model.decode(features, text(batch.negative_captions[b]), false, times);
        targets[b] = {clip.referred_masks.to(device), clip.boxes.to(device), clip.valid.to(device)};
        samples.push_back({&positive[b], negatives ? &negative[b] : nullptr, &targets[b]});
    }
    nn::StageTimer timer(times, "criterion");
    return nn::referformer_criterion(samples, losses);
}

// The clip's backbone features are computed once and decoded for each sentence; the masks come
// from postprocess_referformer, the function the parity tests check against the official
// inference script.
std::unique_ptr<SegmentationModel> ReferFormerFamily::segmentation_model(LoadedModel loaded, BpeTokenizer tokenizer,
                                                                         torch::Device device) const {
    const std::shared_ptr<nn::ReferFormerImpl> model = loaded.as<nn::ReferFormer>().ptr();
    model->to(device);
    return std::make_unique<EncodeOnceSegmentation<nn::ClipFeatures>>(
        loaded.entry->preprocessing, std::move(tokenizer), model->config.text_encoder, device,
        [model](const torch::Tensor& frames) { return model->encode_clip(frames); },
        [model](const nn::ClipFeatures& clip, const SentenceTokens& sentence, int64_t height, int64_t width) {
            const nn::ReferFormerOutputs out = model->decode(clip, model->encode_text(sentence.input_ids, sentence.attention_mask));
            return to_segment_result(nn::postprocess_referformer(out, height, width));
        });
}

nn::ReferFormerConfig config_for_weights(const nn::ReferFormerConfig& model_config, const std::map<std::string, torch::Tensor>& weights) {
    auto config = model_config;
    // Only the official sizes have the two variants: a tiny model's text encoder stays as
    // configured, so weights of another size fail the strict load by name.
    const int64_t configured = config.text_encoder.num_hidden_layers;
    if (configured != 6 && configured != 12) return config;
    int64_t layers = 0;
    const std::string prefix = "text_encoder.encoder.layer.";
    for (const auto& [name, t] : weights)
        if (name.rfind(prefix, 0) == 0) layers = std::max<int64_t>(layers, std::stoll(name.substr(prefix.size())) + 1);
    if (layers == 12) config.text_encoder = nn::RobertaConfig::roberta_base();
    else if (layers == 6) config.text_encoder = nn::RobertaConfig::distilroberta_base();
    return config;
}

const ReferFormerFamily& referformer_family_of(const RunnableModel& model) {
    const auto* family = dynamic_cast<const ReferFormerFamily*>(model.family.get());
    if (!family) throw Error(fmt::format("{}: not an R2-VOS / ReferFormer model", model.name));
    return *family;
}

}  // namespace r2
