#include "model_zoo/synthetic_weights.h"

#include <cmath>
#include <map>

#include "core/rng.h"

namespace r2::nn {

namespace {

// The full-rank variant: value[i] = offset + scale · √1.5 · (2u − 1), u = the top 53 bits of
// splitmix64 at state (k << 40) + i, so a matrix's rows are independent (the sine pattern gives
// every matrix rank 2) and the standard deviation matches the sine pattern's, scale / √2.
torch::Tensor hashed(const std::vector<int64_t>& shape, int64_t k, double scale, double offset) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    auto t = torch::empty({n}, torch::kFloat64);
    double* p = t.data_ptr<double>();
    const double amplitude = scale * std::sqrt(1.5);
    for (int64_t i = 0; i < n; ++i) {
        uint64_t state = (uint64_t(k) << 40) + uint64_t(i);
        const double u = double(splitmix64(state) >> 11) * 0x1.0p-53;
        p[i] = offset + amplitude * (2.0 * u - 1.0);
    }
    return t.view(shape).to(torch::kFloat32);
}

torch::Tensor pattern(const std::vector<int64_t>& shape, int64_t k, double scale, double offset) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    auto t = torch::empty({n}, torch::kFloat64);
    double* p = t.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = offset + scale * std::sin(0.37 * double(i) + 0.11 * double(k) + 0.5);
    return t.view(shape).to(torch::kFloat32);
}

bool ends_with(const std::string& s, const std::string& e) {
    return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

}  // namespace

torch::Tensor synthetic_tensor(const std::string& name, const std::vector<int64_t>& shape, int64_t k, SyntheticFormula formula) {
    const auto values = formula == SyntheticFormula::sine ? pattern : hashed;
    // Keep activations of deep networks in range: He-scaled weights, unit-ish norms.
    if (ends_with(name, "running_var")) return values(shape, k, 0.25, 1.0);
    if (ends_with(name, "running_mean")) return values(shape, k, 0.1, 0.0);
    if (shape.size() == 1 && ends_with(name, "weight")) return values(shape, k, 0.1, 1.0);  // norm scales
    if (shape.size() <= 1) return values(shape, k, 0.05, 0.0);                              // biases
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    const double fan_in = double(numel / shape[0]);
    return values(shape, k, std::sqrt(2.0 / fan_in) * 1.2, 0.0);
}

void fill_synthetic_weights(torch::nn::Module& module) {
    torch::NoGradGuard no_grad;
    std::map<std::string, torch::Tensor> all;
    for (const auto& p : module.named_parameters(true)) all[p.key()] = p.value();
    for (const auto& b : module.named_buffers(true)) all[b.key()] = b.value();
    int64_t k = 0;
    for (auto& [name, t] : all) {
        if (t.is_floating_point())  // index buffers (Swin's relative_position_index) keep their values
            t.copy_(synthetic_tensor(name, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), k, SyntheticFormula::sine));
        ++k;
    }
}

std::map<std::string, torch::Tensor> synthetic_state_dict(const std::vector<SyntheticKey>& keys, SyntheticFormula formula) {
    std::map<std::string, torch::Tensor> out;
    for (size_t k = 0; k < keys.size(); ++k) {
        const auto& key = keys[k];
        if (!key.floating || !key.alias_of.empty()) continue;
        out[key.name] = synthetic_tensor(key.name, key.shape, int64_t(k), formula);
    }
    for (const auto& key : keys)
        if (key.floating && !key.alias_of.empty()) out[key.name] = out.at(key.alias_of);
    return out;
}

torch::Tensor synthetic_image(int64_t batch, int64_t channels, int64_t height, int64_t width) {
    return pattern({batch, channels, height, width}, 7, 2.0, 0.0);
}

}  // namespace r2::nn
