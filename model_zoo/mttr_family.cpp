#include "model_zoo/mttr_family.h"

#include <fmt/format.h>

#include "core/error.h"
#include "model_zoo/parameter_counts.h"
#include "model_zoo/postprocess.h"
#include "model_zoo/registry.h"
#include "model_zoo/training_init.h"

namespace r2 {

namespace {

nn::MTTRImpl& mttr(torch::nn::Module& module) {
    auto* model = dynamic_cast<nn::MTTRImpl*>(&module);
    if (!model) throw Error("MTTRFamily: the module is not an MTTR");
    return *model;
}

}  // namespace

int64_t MTTRFamily::parameter_count() const { return nn::parameter_count(config); }

std::shared_ptr<torch::nn::Module> MTTRFamily::build_module(const std::map<std::string, torch::Tensor>*) const { return nn::MTTR(config).ptr(); }

void MTTRFamily::prepare_for_training(torch::nn::Module& module, uint64_t seed) const { nn::initialize_for_training(mttr(module), seed); }

void MTTRFamily::forward(torch::nn::Module& module, const torch::Tensor& frames, const torch::Tensor& input_ids,
                         const torch::Tensor& attention_mask, nn::StageTimes* times) const {
    mttr(module).forward(frames, input_ids, attention_mask, false, times);
}

// configs/refer_youtube_vos.yaml: weight decay 1e-4, backbone at 0.1 and the text encoder at 0.5
// of the rate, one drop at epoch 20 of 30 by 0.4, no photometric distortion, no padding.
TrainRecipe MTTRFamily::official_recipe() const {
    TrainRecipe r;
    r.weight_decay = 1e-4;
    r.backbone_lr_scale = 0.1, r.text_lr_scale = 0.5;
    r.lr_drops = {20.0 / 30}, r.lr_gamma = 0.4;
    r.photometric = false;
    r.pad_multiple = 1;
    return r;
}

nn::Losses MTTRFamily::training_loss(torch::nn::Module& module, const TrainingBatch& batch, const BpeTokenizer& tokenizer,
                                     const Preprocessing& preprocessing, const torch::Device& device, nn::StageTimes* times) const {
    auto& model = mttr(module);
    const size_t B = batch.clips.size();
    std::vector<nn::MTTROutputs> outputs(B);
    std::vector<nn::MTTRTarget> targets(B);
    std::vector<nn::MTTRSample> samples;
    for (size_t b = 0; b < B; ++b) {
        const TrainClip& clip = *batch.clips[b];
        const auto tokens = tokenize_sentence(tokenizer, model.config.text_encoder, preprocessing, clip.caption, device);
        nn::StageTimer timer(times, "forward");
        outputs[b] = model.forward(clip.frames.to(device), tokens.input_ids, tokens.attention_mask, /*all_layer_masks=*/true);
        targets[b] = {clip.object_masks.to(device), clip.referred_object};
        samples.push_back({&outputs[b], &targets[b]});
    }
    nn::StageTimer timer(times, "criterion");
    return nn::mttr_criterion(samples, losses);
}

// The backbone and the projection of its stride-16 stage are computed once per clip; the
// multimodal encoder mixes words into every video token, so everything after it runs per sentence.
// Masks come from postprocess_mttr, the function the parity test checks against the official
// ReferYoutubeVOSPostProcess.
std::unique_ptr<SegmentationModel> MTTRFamily::segmentation_model(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device) const {
    const std::shared_ptr<nn::MTTRImpl> model = loaded.as<nn::MTTR>().ptr();
    model->to(device);
    return std::make_unique<EncodeOnceSegmentation<nn::MTTRClipFeatures>>(
        loaded.entry->preprocessing, std::move(tokenizer), model->config.text_encoder, device,
        [model](const torch::Tensor& frames) { return model->encode_clip(frames); },
        [model](const nn::MTTRClipFeatures& clip, const SentenceTokens& sentence, int64_t height, int64_t width) {
            const nn::MTTROutputs out = model->decode(clip, model->encode_text(sentence.input_ids, sentence.attention_mask));
            return to_segment_result(nn::postprocess_mttr(out, clip.height, clip.width, height, width));
        });
}

const MTTRFamily& mttr_family_of(const RunnableModel& model) {
    const auto* family = dynamic_cast<const MTTRFamily*>(model.family.get());
    if (!family) throw Error(fmt::format("{}: not an MTTR model", model.name));
    return *family;
}

}  // namespace r2
