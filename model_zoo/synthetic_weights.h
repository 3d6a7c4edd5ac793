// Deterministic "weights" from a formula, the same in C++ and in the Python fixture scripts:
// parity tests and benchmarks need identical parameters on both sides without committing
// hundreds of megabytes. value[i] = scale · sin(0.37·i + 0.11·k + 0.5) (in double, then cast),
// k the tensor's index in name order (integer buffers are counted but left alone); scale depends on
// the tensor's role (see the .cpp).
#pragma once
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace r2::nn {

// Fills every parameter and buffer of `module`, visited in name order.
void fill_synthetic_weights(torch::nn::Module& module);
// The same formula over a list of names and shapes in sorted order (an official model's state
// dict, recorded by a fixture script), for loading into a model as a checkpoint would be. A key
// that aliases another (a parameter shared under two names) gets the other's values; integer
// buffers are counted but get no tensor.
struct SyntheticKey {
    std::string name;
    std::vector<int64_t> shape;
    bool floating = true;
    std::string alias_of;  // empty unless the official module shares this tensor with another key
};
// sine: the formula above. hash: offset + scale·√1.5·(2u − 1), u from splitmix64 at state
// (k << 40) + i (top 53 bits), same roles and spread, but full-rank matrices (the sine rows are all
// shifts of one wave, so every matrix has rank 2 and a model barely depends on its input text).
enum class SyntheticFormula { sine, hash };
std::map<std::string, torch::Tensor> synthetic_state_dict(const std::vector<SyntheticKey>& keys,
                                                          SyntheticFormula formula = SyntheticFormula::sine);
torch::Tensor synthetic_tensor(const std::string& name, const std::vector<int64_t>& shape, int64_t k, SyntheticFormula formula);

// The input image used by the same tests: (B, C, H, W), values in [-2, 2].
torch::Tensor synthetic_image(int64_t batch, int64_t channels, int64_t height, int64_t width);

}  // namespace r2::nn
