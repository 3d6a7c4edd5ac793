#include "model_zoo/weights.h"

#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace r2 {

torch::Tensor tensor_from_view(const TensorView& v) {
    torch::ScalarType type;
    switch (v.dtype) {
        case DType::F32: type = torch::kFloat32; break;
        case DType::F16: type = torch::kFloat16; break;
        case DType::BF16: type = torch::kBFloat16; break;
        case DType::F64: type = torch::kFloat64; break;
        case DType::I64: type = torch::kInt64; break;
        case DType::I32: type = torch::kInt32; break;
        case DType::I16: type = torch::kInt16; break;
        case DType::I8: type = torch::kInt8; break;
        case DType::U8: type = torch::kUInt8; break;
        case DType::BOOL: type = torch::kBool; break;
        default: throw Error(fmt::format("tensor '{}': unsupported dtype", v.name));
    }
    auto t = torch::empty(v.shape, torch::TensorOptions().dtype(type));
    if (v.bytes) std::memcpy(t.data_ptr(), v.data, v.bytes);
    return t;
}

std::map<std::string, torch::Tensor> tensors_from_file(const SafetensorsFile& file) {
    std::map<std::string, torch::Tensor> out;
    for (const auto& v : file.tensors()) out[v.name] = tensor_from_view(v);
    return out;
}

std::string LoadReport::text() const {
    std::string s = fmt::format("{} tensors loaded", loaded);
    auto list = [&](const char* what, const std::vector<std::string>& names) {
        if (names.empty()) return;
        s += fmt::format("; {} {}:", names.size(), what);
        for (size_t i = 0; i < names.size() && i < 20; ++i) s += "\n  " + names[i];
        if (names.size() > 20) s += fmt::format("\n  … and {} more", names.size() - 20);
    };
    list("missing", missing);
    list("unexpected", unexpected);
    list("with mismatched shapes", mismatched);
    return s;
}

LoadReport load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& weights, bool strict) {
    LoadReport report;
    torch::NoGradGuard no_grad;
    std::map<std::string, torch::Tensor> targets;
    for (const auto& p : module.named_parameters(true)) targets[p.key()] = p.value();
    for (const auto& b : module.named_buffers(true)) targets[b.key()] = b.value();
    for (const auto& [name, target] : targets) {
        const auto it = weights.find(name);
        if (it == weights.end()) {
            report.missing.push_back(name);
            continue;
        }
        if (it->second.sizes() != target.sizes()) {
            report.mismatched.push_back(fmt::format("{}: weights {} vs module {}", name, fmt::join(it->second.sizes(), "x"),
                                                    fmt::join(target.sizes(), "x")));
            continue;
        }
        target.copy_(it->second.to(target.dtype()));
        ++report.loaded;
    }
    for (const auto& [name, tensor] : weights)
        if (!targets.count(name)) report.unexpected.push_back(name);
    if (strict && !report.clean()) throw Error("loading weights (strict): " + report.text());
    return report;
}

}  // namespace r2

namespace r2 {

void save_state_dict(torch::nn::Module& module, const std::filesystem::path& path) {
    std::vector<OwnedTensor> tensors;
    auto add = [&](const std::string& name, const torch::Tensor& t) {
        const auto c = t.detach().to(torch::kCPU).contiguous();
        DType dtype;
        switch (c.scalar_type()) {
            case torch::kFloat32: dtype = DType::F32; break;
            case torch::kFloat64: dtype = DType::F64; break;
            case torch::kFloat16: dtype = DType::F16; break;
            case torch::kBFloat16: dtype = DType::BF16; break;
            case torch::kInt64: dtype = DType::I64; break;
            case torch::kInt32: dtype = DType::I32; break;
            case torch::kUInt8: dtype = DType::U8; break;
            case torch::kBool: dtype = DType::BOOL; break;
            default: throw Error(fmt::format("save_state_dict: '{}' has an unsupported dtype", name));
        }
        tensors.push_back({name, dtype, std::vector<int64_t>(c.sizes().begin(), c.sizes().end()),
                           std::string(static_cast<const char*>(c.data_ptr()), size_t(c.nbytes()))});
    };
    for (const auto& p : module.named_parameters(true)) add(p.key(), p.value());
    for (const auto& b : module.named_buffers(true)) add(b.key(), b.value());
    write_safetensors(path, tensors, {{"format", "pt"}, {"writer", "r2bench"}});
}

}  // namespace r2
