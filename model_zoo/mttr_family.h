// The MTTR family (mttr2021/MTTR): a multimodal DETR over video and words without a pair head,
// trained with its Hungarian-matched criterion on windows of consecutive frames; masks from
// postprocess_mttr.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "model_zoo/criterion.h"
#include "model_zoo/model_family.h"
#include "model_zoo/mttr.h"

namespace r2 {

struct RunnableModel;

class MTTRFamily final : public ModelFamily {
public:
    explicit MTTRFamily(nn::MTTRConfig config) : config(std::move(config)) {}
    nn::MTTRConfig config;
    nn::MTTRLossWeights losses;

    std::string name() const override { return "mttr"; }
    std::string official_repository() const override { return "mttr2021/MTTR"; }
    std::string postprocessing() const override {
        return "best query by mean referred probability, bilinear to the input size, sigmoid > 0.5, nearest to the original size";
    }
    double speedup_goal() const override { return 1.3; }

    int64_t parameter_count() const override;
    int64_t num_queries() const override { return config.num_queries; }
    const nn::RobertaConfig& text_config() const override { return config.text_encoder; }
    void prepare_for_training(torch::nn::Module& module, uint64_t seed) const override;
    void forward(torch::nn::Module& module, const torch::Tensor& frames, const torch::Tensor& input_ids,
                 const torch::Tensor& attention_mask, nn::StageTimes* times) const override;

    TrainRecipe official_recipe() const override;
    ClipSampling clip_sampling() const override { return ClipSampling::referred_windows; }
    std::string text_encoder_prefix() const override { return "transformer.text_encoder."; }
    nn::Losses training_loss(torch::nn::Module& module, const TrainingBatch& batch, const BpeTokenizer& tokenizer,
                             const Preprocessing& preprocessing, const torch::Device& device, nn::StageTimes* times) const override;

    std::unique_ptr<SegmentationModel> segmentation_model(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device) const override;

protected:
    std::shared_ptr<torch::nn::Module> build_module(const std::map<std::string, torch::Tensor>* weights) const override;
};

// The family of a registry entry of this family; r2::Error naming the model otherwise.
const MTTRFamily& mttr_family_of(const RunnableModel& model);

}  // namespace r2
