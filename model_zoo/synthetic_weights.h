// Deterministic "weights" from a formula, the same in C++ and in the Python fixture scripts:
// parity tests and benchmarks need identical parameters on both sides without committing
// hundreds of megabytes. value[i] = scale · sin(0.37·i + 0.11·k + 0.5) (in double, then cast),
// k the tensor's index in name order (integer buffers are counted but left alone); scale depends on
// the tensor's role (see the .cpp).
#pragma once
#include <string>

#include <torch/torch.h>

namespace r2::nn {

// Fills every parameter and buffer of `module`, visited in name order.
void fill_synthetic_weights(torch::nn::Module& module);
// The input image used by the same tests: (B, C, H, W), values in [-2, 2].
torch::Tensor synthetic_image(int64_t batch, int64_t channels, int64_t height, int64_t width);

}  // namespace r2::nn
