// `run`'s entry to the models: a registry model with its weights and tokenizer, as the family's
// SegmentationModel (model_zoo/segmentation_model.h: encode a clip once, segment it per
// sentence), and what run.json records about it.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "model_zoo/registry.h"
#include "model_zoo/segmentation_model.h"

namespace r2 {

struct ModelSpec {
    std::string name;
    std::filesystem::path weights_dir = "models", weights_file, text_dir;
    bool allow_synthetic = false;
    torch::Device device = torch::kCPU;
};

struct LoadedSegmentationModel {
    std::unique_ptr<SegmentationModel> model;
    std::string family;             // ModelFamily::name()
    std::filesystem::path weights;  // empty: synthetic weights
    int64_t parameters = 0;
    nlohmann::ordered_json config;  // what run.json records about the model
};

// The registry's model with its weights (the registry's message when they are missing).
LoadedSegmentationModel load_segmentation_model(const ModelSpec& spec);

}  // namespace r2
