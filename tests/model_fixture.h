// The official-model parity fixtures (tests/fixtures/models, made by make_model_fixtures.py):
// reading them and building a model with the fixture's synthetic weights, loaded as an official
// checkpoint would be. Shared by the CPU parity test and the CUDA check in tests/gpu.
#pragma once
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "model_zoo/referformer.h"
#include "model_zoo/synthetic_weights.h"

namespace r2::test {

struct ModelFixture {
    nlohmann::json keys;                        // <model>_keys.json: the official state dict's keys, formula, sentences
    std::vector<nn::SyntheticKey> synthetic;    // its keys in sorted order
    std::map<std::string, torch::Tensor> tensors;  // <model>.safetensors: inputs and official outputs
};

inline const std::vector<std::string> kFullModels = {"r2vos_r50", "r2vos_vswin_t", "referformer_r50", "referformer_swin_t",
                                                     "referformer_vswin_t"};

ModelFixture load_model_fixture(const std::filesystem::path& dir, const std::string& model);
nn::ReferFormerConfig fixture_config(const std::string& model);

// The model with the fixture's weights: the formula over the official keys, minus what the module
// does not hold (aliases of shared tensors, position_ids), plus the module's own integer buffers
// (Swin's relative_position_index), loaded strictly; throws r2::Error when loading is not clean.
nn::ReferFormer model_with_fixture_weights(const std::string& model, const ModelFixture& fixture);

// Loads the fixture's synthetic weights into any assembled model (same rules as above).
void load_fixture_weights(torch::nn::Module& model, const ModelFixture& fixture);

// The module's parameter and buffer names against the fixture's official keys (those it holds).
struct KeyComparison {
    std::set<std::string> module_keys;
    std::vector<std::string> only_module, only_official;  // sorted
    int64_t parameters = 0;                               // elements of the module's parameters
};
KeyComparison compare_keys(torch::nn::Module& model, const ModelFixture& fixture);

// max |a − b| in float64; throws r2::Error when the shapes differ.
double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b);

// Official keys the C++ module holds (not an alias, not position_ids).
bool held_by_module(const nn::SyntheticKey& key);

}  // namespace r2::test
