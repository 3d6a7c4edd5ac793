#include "model_fixture.h"

#include <algorithm>
#include <iterator>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/weights.h"

namespace r2::test {

ModelFixture load_model_fixture(const std::filesystem::path& dir, const std::string& model) {
    ModelFixture f;
    f.keys = nlohmann::json::parse(read_file(dir / (model + "_keys.json")));
    for (const auto& k : f.keys["keys"]) {
        nn::SyntheticKey key;
        key.name = k[0].get<std::string>();
        key.shape = k[1].get<std::vector<int64_t>>();
        const auto dtype = k[2].get<std::string>();
        key.floating = dtype == "F32" || dtype == "F64" || dtype == "F16" || dtype == "BF16";
        if (!k[3].is_null()) key.alias_of = k[3].get<std::string>();
        f.synthetic.push_back(key);
    }
    f.tensors = tensors_from_file(SafetensorsFile::open(dir / (model + ".safetensors")));
    return f;
}

nn::ReferFormerConfig fixture_config(const std::string& model) {
    if (model == "r2vos_r50") return nn::ReferFormerConfig::r2vos("resnet50");
    if (model == "r2vos_vswin_t") return nn::ReferFormerConfig::r2vos("video_swin_t");
    if (model == "referformer_r50") return nn::ReferFormerConfig::referformer("resnet50");
    if (model == "referformer_swin_t") return nn::ReferFormerConfig::referformer("swin_t");
    if (model == "referformer_vswin_t") return nn::ReferFormerConfig::referformer("video_swin_t");
    throw Error("no parity fixture for model '" + model + "'");
}

KeyComparison compare_keys(torch::nn::Module& model, const ModelFixture& f) {
    KeyComparison c;
    std::set<std::string> official;
    for (const auto& p : model.named_parameters()) c.module_keys.insert(p.key()), c.parameters += p.value().numel();
    for (const auto& b : model.named_buffers()) c.module_keys.insert(b.key());
    for (const auto& k : f.synthetic)
        if (held_by_module(k)) official.insert(k.name);
    std::set_difference(c.module_keys.begin(), c.module_keys.end(), official.begin(), official.end(), std::back_inserter(c.only_module));
    std::set_difference(official.begin(), official.end(), c.module_keys.begin(), c.module_keys.end(), std::back_inserter(c.only_official));
    return c;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
    if (!a.sizes().equals(b.sizes())) throw Error("max_abs_diff: tensors of different shapes");
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

bool held_by_module(const nn::SyntheticKey& key) {
    return key.alias_of.empty() && key.name.find("position_ids") == std::string::npos;
}

nn::ReferFormer model_with_fixture_weights(const std::string& model, const ModelFixture& f) {
    nn::ReferFormer m(fixture_config(model));
    m->eval();
    load_fixture_weights(*m, f);
    return m;
}

void load_fixture_weights(torch::nn::Module& m, const ModelFixture& f) {
    const auto formula = f.keys.value("formula", std::string("sine")) == "hash" ? nn::SyntheticFormula::hash : nn::SyntheticFormula::sine;
    auto weights = nn::synthetic_state_dict(f.synthetic, formula);
    for (const auto& k : f.synthetic)
        if (!held_by_module(k)) weights.erase(k.name);
    // Integer buffers are computed by the module itself; its own values go through the loader
    // like a checkpoint's would.
    for (const auto& b : m.named_buffers())
        if (!b.value().is_floating_point()) weights[b.key()] = b.value().clone();
    load_state_dict(m, weights, /*strict=*/true);
}

}  // namespace r2::test
