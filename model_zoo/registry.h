// The model registry behind `r2bench models`: every model r2bench can build, what it is made of,
// its parameter count, and where its weights are expected (<weights_dir>/<name>.safetensors).
// Today these are the parts (backbones, text encoders); the assembled R2-VOS, ReferFormer-style and
// MTTR-style models join the list as they are built.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/weights.h"

namespace r2 {

struct RegisteredModel {
    std::string name;
    std::string kind;          // "backbone" or "text encoder"
    std::string backbone;      // what it runs on images ("-" for a text encoder)
    std::string text_encoder;  // what it runs on text ("-" for a backbone)
    std::string source;        // where the official weights come from, and their key prefix
    std::function<std::shared_ptr<torch::nn::Module>()> make;
};

const std::vector<RegisteredModel>& registered_models();
const RegisteredModel* find_model(const std::string& name);
int64_t parameter_count(torch::nn::Module& module);

struct ModelStatus {
    const RegisteredModel* model = nullptr;
    int64_t parameters = 0;
    std::filesystem::path weights;  // expected path
    bool found = false;
    std::optional<LoadReport> load;  // when found: what loading them reported
};

// Builds every model, looks for its weights and, when present, loads them (strict: a missing,
// unexpected or mismatched key throws).
std::vector<ModelStatus> model_statuses(const std::filesystem::path& weights_dir, bool strict);

}  // namespace r2
