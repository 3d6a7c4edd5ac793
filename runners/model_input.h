// Frames as the models take them, shared by `run` and `train`: a JPEG read as RGB, then
// torchvision's ToTensor and Normalize.
#pragma once
#include <filesystem>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/registry.h"
#include "runners/pil_resize.h"

namespace r2 {

// Throws FileError naming the file when it is missing or cannot be decoded.
Image8 read_rgb_jpeg(const std::filesystem::path& path);
// (3, H, W) float32: x / 255, then (x − mean) / std, as torchvision computes it.
torch::Tensor to_model_input(const Image8& image, const Preprocessing& pre);

// A video's frames as the model's official inference feeds them: each JPEG resized (PIL bilinear)
// to the model's input size (DETR's or torchvision's rule) and normalised. `width` and `height`
// are the original size, which every frame must share (FileError naming the frame otherwise).
struct ModelFrames {
    std::vector<torch::Tensor> frames;  // (3, h, w) float32 each
    int width = 0, height = 0;
};
ModelFrames read_model_frames(const std::vector<std::filesystem::path>& jpegs, const Preprocessing& pre);

}  // namespace r2
