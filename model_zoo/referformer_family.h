// The R2-VOS / ReferFormer family (wjn922/ReferFormer, lxa9867/R2VOS): one architecture whose
// configuration says whether it has R2-VOS's cycle head and pair classifier (ReferFormerConfig::
// is_r2vos), trained with the official ReferFormer criterion plus, for R2-VOS, the cycle losses on
// each clip decoded with another clip's sentence; masks from postprocess_referformer.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "model_zoo/criterion.h"
#include "model_zoo/model_family.h"
#include "model_zoo/referformer.h"

namespace r2 {

struct RunnableModel;

class ReferFormerFamily final : public ModelFamily {
public:
    explicit ReferFormerFamily(nn::ReferFormerConfig config, nn::ReferFormerLossWeights losses = {})
        : config(std::move(config)), losses(losses) {}
    nn::ReferFormerConfig config;
    nn::ReferFormerLossWeights losses;  // the criterion's weights (the ablations of Table 4 change them)

    std::string name() const override { return config.is_r2vos() ? "r2vos" : "referformer"; }
    std::string official_repository() const override { return config.is_r2vos() ? "lxa9867/R2VOS" : "wjn922/ReferFormer"; }
    std::string postprocessing() const override;
    double speedup_goal() const override { return 2.0; }

    int64_t parameter_count() const override;
    int64_t num_queries() const override { return config.num_queries; }
    const nn::RobertaConfig& text_config() const override { return config.text_encoder; }
    void prepare_for_training(torch::nn::Module& module, uint64_t seed) const override;
    void set_msda_kernel(torch::nn::Module& module, nn::MSDAKernel kernel) const override;
    void forward(torch::nn::Module& module, const torch::Tensor& frames, const torch::Tensor& input_ids,
                 const torch::Tensor& attention_mask, nn::StageTimes* times) const override;

    TrainRecipe official_recipe() const override { return {}; }  // opts.py: TrainRecipe's defaults
    ClipSampling clip_sampling() const override { return ClipSampling::anchor_and_neighbours; }
    bool trains_on_negative_sentences() const override { return config.is_r2vos(); }
    std::string text_encoder_prefix() const override { return "text_encoder."; }
    nn::Losses training_loss(torch::nn::Module& module, const TrainingBatch& batch, const BpeTokenizer& tokenizer,
                             const Preprocessing& preprocessing, const torch::Device& device, nn::StageTimes* times) const override;

    std::unique_ptr<SegmentationModel> segmentation_model(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device) const override;

protected:
    std::shared_ptr<torch::nn::Module> build_module(const std::map<std::string, torch::Tensor>* weights) const override;
};

// R2-VOS defaults to distilroberta-base (6 layers); a checkpoint with 12 text layers was trained
// with roberta-base. Returns the configuration the weights were made for.
nn::ReferFormerConfig config_for_weights(const nn::ReferFormerConfig& config, const std::map<std::string, torch::Tensor>& weights);

// The family of a registry entry of this family; r2::Error naming the model otherwise.
const ReferFormerFamily& referformer_family_of(const RunnableModel& model);

}  // namespace r2
