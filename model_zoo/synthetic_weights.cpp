#include "model_zoo/synthetic_weights.h"

#include <cmath>
#include <map>

namespace r2::nn {

namespace {

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

void fill_synthetic_weights(torch::nn::Module& module) {
    torch::NoGradGuard no_grad;
    std::map<std::string, torch::Tensor> all;
    for (const auto& p : module.named_parameters(true)) all[p.key()] = p.value();
    for (const auto& b : module.named_buffers(true)) all[b.key()] = b.value();
    int64_t k = 0;
    for (auto& [name, t] : all) {
        if (!t.is_floating_point()) {  // index buffers (Swin's relative_position_index) keep their values
            ++k;
            continue;
        }
        const std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
        torch::Tensor v;
        // Keep activations of deep networks in range: He-scaled weights, unit-ish norms.
        if (ends_with(name, "running_var")) v = pattern(shape, k, 0.25, 1.0);
        else if (ends_with(name, "running_mean")) v = pattern(shape, k, 0.1, 0.0);
        else if (t.dim() == 1 && ends_with(name, "weight")) v = pattern(shape, k, 0.1, 1.0);  // norm scales
        else if (t.dim() <= 1) v = pattern(shape, k, 0.05, 0.0);                              // biases
        else {
            const double fan_in = double(t.numel() / t.size(0));
            v = pattern(shape, k, std::sqrt(2.0 / fan_in) * 1.2, 0.0);
        }
        t.copy_(v);
        ++k;
    }
}

torch::Tensor synthetic_image(int64_t batch, int64_t channels, int64_t height, int64_t width) {
    return pattern({batch, channels, height, width}, 7, 2.0, 0.0);
}

}  // namespace r2::nn
