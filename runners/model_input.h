// Frames as the models take them, shared by `run` and `train`: a JPEG read as RGB, then
// torchvision's ToTensor and Normalize.
#pragma once
#include <filesystem>

#include <torch/torch.h>

#include "model_zoo/registry.h"
#include "runners/pil_resize.h"

namespace r2 {

// Throws FileError naming the file when it is missing or cannot be decoded.
Image8 read_rgb_jpeg(const std::filesystem::path& path);
// (3, H, W) float32: x / 255, then (x − mean) / std, as torchvision computes it.
torch::Tensor to_model_input(const Image8& image, const Preprocessing& pre);

}  // namespace r2
