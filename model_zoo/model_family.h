// One model family, one implementation: everything `models`, `run`, `train` and the benchmarks
// need to know about an architecture (its configuration, how to build it, its text, its losses
// and training step, its post-processing, how it describes itself), so that the commands never
// ask which family a model is. A family object holds its model's configuration; a registry entry
// (model_zoo/registry.h) points at one, and an ablation (model_zoo/ablations.h) is a copy with
// one field changed. The families: ReferFormerFamily (R2-VOS and ReferFormer, which differ only
// in configuration; model_zoo/referformer_family.h) and MTTRFamily (model_zoo/mttr_family.h).
// A fourth is one new file implementing this interface plus its entries in registry.cpp.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/bpe_tokenizer.h"
#include "model_zoo/criterion.h"
#include "model_zoo/msdeform_attn.h"
#include "model_zoo/preprocessing.h"
#include "model_zoo/roberta.h"
#include "model_zoo/segmentation_model.h"
#include "model_zoo/stage_times.h"
#include "model_zoo/train_clip.h"
#include "model_zoo/train_recipe.h"

namespace r2 {

struct LoadedModel;

// How `train` cuts a training video into samples (runners/train_data.h).
enum class ClipSampling {
    anchor_and_neighbours,  // ReferFormer/R2-VOS: per expression, every T-th frame with random neighbours
    referred_windows,       // MTTR: per expression, windows of T consecutive frames that show the referred object
};

// One optimizer step's clips (on the device) and, for a family that pairs each clip with another
// clip's sentence (R2-VOS), that sentence, one per clip; empty otherwise.
struct TrainingBatch {
    std::vector<const TrainClip*> clips;
    std::vector<std::string> negative_captions;
};

class ModelFamily {
public:
    virtual ~ModelFamily() = default;

    // ---- Description ----
    // What run.json records as the model's family ("r2vos", "referformer", "mttr"); reports read it.
    virtual std::string name() const = 0;
    // The repository of the official code the model follows (`bench model --official-repo`).
    virtual std::string official_repository() const = 0;
    // The post-processing, in words, as run.json records it.
    virtual std::string postprocessing() const = 0;
    // The speed-up over the official PyTorch forward `bench model` aims for.
    virtual double speedup_goal() const = 0;

    // ---- Configuration and build ----
    virtual int64_t parameter_count() const = 0;  // from the configuration alone (nothing is built)
    virtual int64_t num_queries() const = 0;
    virtual const nn::RobertaConfig& text_config() const = 0;
    // The module with default initialisations; `weights` (a checkpoint about to be loaded, or
    // null) may choose the variant it was made for (R2-VOS: a 6- or 12-layer text encoder).
    std::shared_ptr<torch::nn::Module> build(const std::map<std::string, torch::Tensor>* weights = nullptr) const {
        return build_module(weights);
    }
    // The official training initialisation (model_zoo/training_init.h), drawn from `seed`, and the
    // kernels that have a backward.
    virtual void prepare_for_training(torch::nn::Module& module, uint64_t seed) const = 0;
    // The deformable attention's CPU kernel where the family has one (default: nothing to choose).
    virtual void set_msda_kernel(torch::nn::Module& /*module*/, nn::MSDAKernel /*kernel*/) const {}
    // The whole forward on a clip and one tokenized sentence (`bench model`).
    virtual void forward(torch::nn::Module& module, const torch::Tensor& frames, const torch::Tensor& input_ids,
                         const torch::Tensor& attention_mask, nn::StageTimes* times) const = 0;

    // ---- Training ----
    virtual TrainRecipe official_recipe() const = 0;  // the official code's optimisation (trainer.h adapts it)
    virtual ClipSampling clip_sampling() const = 0;
    virtual bool trains_on_negative_sentences() const { return false; }
    // Parameter-name prefix of the text encoder (its optimizer group; backbone.* is every family's).
    virtual std::string text_encoder_prefix() const = 0;
    // The batch's loss with the family's official criterion (unweighted terms and the weighted total).
    virtual nn::Losses training_loss(torch::nn::Module& module, const TrainingBatch& batch, const BpeTokenizer& tokenizer,
                                     const Preprocessing& preprocessing, const torch::Device& device, nn::StageTimes* times) const = 0;

    // ---- Inference ----
    // `run`'s view of the loaded model (sharing its module): encode a clip once, segment it per sentence.
    virtual std::unique_ptr<SegmentationModel> segmentation_model(LoadedModel loaded, BpeTokenizer tokenizer,
                                                                  torch::Device device) const = 0;

protected:
    virtual std::shared_ptr<torch::nn::Module> build_module(const std::map<std::string, torch::Tensor>* weights) const = 0;
};

}  // namespace r2
