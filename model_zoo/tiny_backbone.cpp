#include "model_zoo/tiny_backbone.h"

namespace r2::nn {

TinyBackboneImpl::TinyBackboneImpl() {
    stem = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 16, 3).stride(2).padding(1)));
    const int64_t channels[5] = {16, 16, 32, 64, 128};
    for (int i = 0; i < 4; ++i) {
        // The stem halves the size; stage 0 halves it again (stride 4), then each stage once more.
        stages.push_back(register_module("stage" + std::to_string(i),
                                         torch::nn::Conv2d(torch::nn::Conv2dOptions(channels[i], channels[i + 1], 3).stride(2).padding(1))));
        norms.push_back(register_module("norm" + std::to_string(i), torch::nn::GroupNorm(torch::nn::GroupNormOptions(4, channels[i + 1]))));
    }
}

std::vector<torch::Tensor> TinyBackboneImpl::forward(const torch::Tensor& x) {
    auto y = torch::relu(stem(x));
    std::vector<torch::Tensor> levels;
    for (size_t i = 0; i < stages.size(); ++i) {
        y = torch::relu(norms[i](stages[i](y)));
        levels.push_back(y);
    }
    return levels;
}

}  // namespace r2::nn
