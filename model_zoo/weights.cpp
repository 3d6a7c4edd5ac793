#include "model_zoo/weights.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace r2 {

namespace {
// safetensors dtype ↔ torch scalar type, both ways from one table.
constexpr std::pair<DType, torch::ScalarType> kTypes[] = {
    {DType::F32, torch::kFloat32}, {DType::F16, torch::kFloat16}, {DType::BF16, torch::kBFloat16}, {DType::F64, torch::kFloat64},
    {DType::I64, torch::kInt64},   {DType::I32, torch::kInt32},   {DType::I16, torch::kInt16},     {DType::I8, torch::kInt8},
    {DType::U8, torch::kUInt8},    {DType::BOOL, torch::kBool}};
}  // namespace

torch::Tensor tensor_from_view(const TensorView& v) {
    for (const auto& [dtype, type] : kTypes)
        if (dtype == v.dtype) {
            auto t = torch::empty(v.shape, torch::TensorOptions().dtype(type));
            if (v.bytes) std::memcpy(t.data_ptr(), v.data, v.bytes);
            return t;
        }
    throw Error(fmt::format("tensor '{}': unsupported dtype", v.name));
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

OwnedTensor owned_tensor(const std::string& name, const torch::Tensor& t) {
    const auto c = t.detach().to(torch::kCPU).contiguous();
    const auto* entry = std::find_if(std::begin(kTypes), std::end(kTypes), [&](const auto& e) { return e.second == c.scalar_type(); });
    if (entry == std::end(kTypes)) throw Error(fmt::format("save_state_dict: '{}' has an unsupported dtype", name));
    return {name, entry->first, std::vector<int64_t>(c.sizes().begin(), c.sizes().end()),
            std::string(static_cast<const char*>(c.data_ptr()), size_t(c.nbytes()))};
}

std::vector<OwnedTensor> state_dict_tensors(torch::nn::Module& module, const std::string& prefix) {
    std::vector<OwnedTensor> tensors;
    for (const auto& p : module.named_parameters(true)) tensors.push_back(owned_tensor(prefix + p.key(), p.value()));
    for (const auto& b : module.named_buffers(true)) tensors.push_back(owned_tensor(prefix + b.key(), b.value()));
    return tensors;
}

void save_state_dict(torch::nn::Module& module, const std::filesystem::path& path, std::map<std::string, std::string> metadata) {
    metadata.emplace("format", "pt");
    metadata.emplace("writer", "r2bench");
    write_safetensors(path, state_dict_tensors(module), metadata);
}

}  // namespace r2
