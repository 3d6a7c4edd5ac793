// Weights into libtorch modules: safetensors views become tensors, and loading a state dict
// reports missing and unexpected keys and shape mismatches by name (errors with strict).
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/safetensors.h"

namespace r2 {

torch::Tensor tensor_from_view(const TensorView& view);  // a CPU copy
std::map<std::string, torch::Tensor> tensors_from_file(const SafetensorsFile& file);

struct LoadReport {
    std::vector<std::string> missing;     // in the module, not in the weights
    std::vector<std::string> unexpected;  // in the weights, not in the module
    std::vector<std::string> mismatched;  // "name: weights [a, b] vs module [c, d]"
    size_t loaded = 0;
    bool clean() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
    std::string text() const;
};

// Copies every matching tensor into the module's parameters and buffers. With `strict`, any
// missing, unexpected or mismatched key throws r2::Error listing them.
LoadReport load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& weights, bool strict);

// Writes every parameter and buffer of the module (float tensors as F32) to a .safetensors file,
// with `metadata` in its header (plus format "pt" and writer "r2bench").
void save_state_dict(torch::nn::Module& module, const std::filesystem::path& path, std::map<std::string, std::string> metadata = {});
// A CPU copy of a tensor as safetensors writes it; every parameter and buffer, names prefixed.
OwnedTensor owned_tensor(const std::string& name, const torch::Tensor& tensor);
std::vector<OwnedTensor> state_dict_tensors(torch::nn::Module& module, const std::string& prefix = "");

}  // namespace r2
