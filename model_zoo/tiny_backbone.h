// A tiny convolutional backbone for the tiny models (CPU tests, the synthetic demo): four levels
// at strides 4, 8, 16, 32 like ResNet's layer1..layer4, with 16, 32, 64, 128 channels.
#pragma once
#include <vector>

#include <torch/torch.h>

namespace r2::nn {

struct TinyBackboneImpl : torch::nn::Module {
    TinyBackboneImpl();
    std::vector<torch::Tensor> forward(const torch::Tensor& x);  // (B, 3, H, W) → 4 levels
    torch::nn::Conv2d stem{nullptr};
    std::vector<torch::nn::Conv2d> stages;  // stage{0..3}: 3x3 convolutions, the first three with stride 2
    std::vector<torch::nn::GroupNorm> norms;
};
TORCH_MODULE(TinyBackbone);

}  // namespace r2::nn
