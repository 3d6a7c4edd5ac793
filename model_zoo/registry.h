// The model registry behind `r2bench models` and `r2bench run`: the parts (backbones, text
// encoders) and the runnable models (R2-VOS, ReferFormer, MTTR), what each is made of, its parameter
// count, and where its weights are expected (<weights_dir>/<name>.safetensors). A runnable entry
// carries everything a runner needs: its family with the configuration (model_zoo/model_family.h:
// build, losses, post-processing), the official checkpoint's quirks and the preprocessing.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/data_dir.h"  // bundled_weights_dir()
#include "model_zoo/bpe_tokenizer.h"
#include "model_zoo/model_family.h"
#include "model_zoo/preprocessing.h"
#include "model_zoo/weights.h"

namespace r2 {

struct RegisteredModel {
    std::string name;
    std::string kind;          // "backbone", "text encoder" or "model"
    std::string backbone;      // what it runs on images ("-" for a text encoder)
    std::string text_encoder;  // what it runs on text ("-" for a backbone)
    std::string source;        // where the official weights come from, and their key prefix
    std::function<std::shared_ptr<torch::nn::Module>()> make;
    std::function<int64_t()> parameters;  // parameter_count(*make()), from the configuration alone (fast)
};

// What an official checkpoint (after `convert-weights --key model`) may hold beyond the module.
struct CheckpointRules {
    std::string official_key = "model";  // the torch.load(...) entry holding the state dict
    // Keys that name the same tensor as another key (with_box_refine registers bbox_embed twice):
    // accepted when equal to the tensor they alias, then dropped.
    std::vector<std::pair<std::string, std::string>> alias_prefixes = {{"transformer.decoder.bbox_embed.", "bbox_embed."}};
    // Buffers older Hugging Face versions saved (text_encoder.embeddings.position_ids): ignored.
    std::vector<std::string> ignored_suffixes = {"embeddings.position_ids"};
};

struct RunnableModel {
    std::string name;
    std::shared_ptr<const ModelFamily> family;  // the architecture and its configuration
    std::string description;
    std::string backbone, text_encoder;
    std::string weights_help;  // where the official weights come from and how to convert them
    bool builtin_tokenizer = false;  // tiny models: bytes, no vocab files
    bool bundled_weights = false;    // tiny models: trained weights ship with r2bench (share/r2bench/tiny_weights)
    Preprocessing preprocessing;
    CheckpointRules checkpoint;
    int64_t train_frames = 3;  // clip length in training (`r2bench train`)
};

const std::vector<RegisteredModel>& registered_models();  // parts and models, for `r2bench models`
const std::vector<RunnableModel>& runnable_models();
// A registry model, or an ablation configuration ("r2vos_tiny:t3-cc", model_zoo/ablations.h).
const RunnableModel* find_runnable_model(const std::string& name);

// Applies the rules: drops alias keys (throwing r2::Error when one differs from the tensor it
// aliases) and ignored buffers; returns the dropped names.
std::vector<std::string> apply_checkpoint_rules(std::map<std::string, torch::Tensor>& weights, const CheckpointRules& rules);

struct LoadedModel {
    const RunnableModel* entry = nullptr;
    std::shared_ptr<torch::nn::Module> root;  // built by entry->family
    std::shared_ptr<torch::nn::Module> module() const { return root; }
    // The module as its family's type: m.as<nn::ReferFormer>() (an empty holder for another family).
    template <class Holder>
    Holder as() const {
        return Holder(std::dynamic_pointer_cast<typename Holder::ContainedType>(root));
    }
    std::filesystem::path weights;  // empty: synthetic weights
    LoadReport report;
};

// Builds the model and loads `weights_file` when given, else <weights_dir>/<name>.safetensors, else
// for the tiny models their bundled weights (bundled_weights_dir()), strictly after applying the
// checkpoint rules. Missing weights: r2::Error saying which files were looked for, how to convert
// an official checkpoint, and which models need no downloads. allow_synthetic (without a
// weights_file) fills the untrained formula weights instead (tests, benchmarks, --synthetic-weights).
LoadedModel load_runnable_model(const std::string& name, const std::filesystem::path& weights_dir,
                                const std::filesystem::path& weights_file = {}, bool allow_synthetic = false);

// The weights file load_runnable_model would read (empty: synthetic weights), found without building
// anything, so that a missing file is reported at once; throws the same errors.
std::filesystem::path find_weights_file(const RunnableModel& model, const std::filesystem::path& weights_dir,
                                        const std::filesystem::path& weights_file, bool allow_synthetic);
// Throws when a model that needs RoBERTa's vocab.json and merges.txt does not find them in text_dir.
void check_tokenizer_files(const RunnableModel& model, const std::filesystem::path& text_dir);

// The tokenizer a model needs: the built-in byte tokenizer for the tiny models, else RoBERTa's
// vocab.json and merges.txt from text_dir (r2bench looks in --text-dir, then <weights_dir>/roberta).
BpeTokenizer tokenizer_for(const RunnableModel& model, const std::filesystem::path& text_dir);
const RegisteredModel* find_model(const std::string& name);
int64_t parameter_count(torch::nn::Module& module);

struct ModelStatus {
    const RegisteredModel* model = nullptr;
    int64_t parameters = 0;
    std::filesystem::path weights;  // expected path
    bool found = false;
    std::optional<LoadReport> load;  // when found: what loading them reported
};

// Every model's parameter count (from its configuration) and weights file; the models whose
// weights are found are built and the weights loaded (strict: a missing, unexpected or mismatched
// key throws). Nothing else is built, so the tiny models' bundled weights are all it loads by default.
std::vector<ModelStatus> model_statuses(const std::filesystem::path& weights_dir, bool strict);

}  // namespace r2
