// Multi-scale deformable attention: parity with Deformable DETR's PyTorch code (fixtures made by
// tests/fixtures/msda/make_msda_fixtures.py), and the weight-loading report.
#include <doctest/doctest.h>

#include "core/error.h"
#include "model_zoo/msdeform_attn.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/weights.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "msda";

static double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
    REQUIRE(a.sizes() == b.sizes());
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

TEST_CASE("msda: reference and fast CPU kernel equal ms_deform_attn_core_pytorch") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "core.safetensors"));
    const auto& v = t.at("value");
    const auto& shapes = t.at("spatial_shapes");
    const auto& start = t.at("level_start_index");
    const auto& loc = t.at("sampling_locations");
    const auto& attn = t.at("attention_weights");
    const auto& expected = t.at("output");
    CHECK(max_abs(nn::ms_deform_attn_reference(v, shapes, start, loc, attn), expected) < 1e-5);
    CHECK(max_abs(nn::ms_deform_attn_cpu(v, shapes, start, loc, attn), expected) < 1e-5);
    nn::set_msda_avx2_allowed(false);  // the baseline-ISA build of the same kernel
    CHECK(max_abs(nn::ms_deform_attn_cpu(v, shapes, start, loc, attn), expected) < 1e-5);
    nn::set_msda_avx2_allowed(true);
    // Double precision goes through the same kernel.
    CHECK(max_abs(nn::ms_deform_attn_cpu(v.to(torch::kFloat64), shapes, start, loc, attn), expected) < 1e-5);
    // Samples entirely outside the image contribute nothing: all-outside locations give zeros.
    const auto outside = torch::full_like(loc, 1.6);
    CHECK(nn::ms_deform_attn_cpu(v, shapes, start, outside, attn).abs().max().item<double>() == 0.0);
    CHECK(nn::ms_deform_attn_reference(v, shapes, start, outside, attn).abs().max().item<double>() == 0.0);
    // Bad shapes are refused.
    CHECK_THROWS(nn::ms_deform_attn_cpu(v.flatten(2), shapes, start, loc, attn));
}

TEST_CASE("msda: the MSDeformAttn module equals Deformable DETR's, with official key names") {
    const auto all = tensors_from_file(SafetensorsFile::open(kDir / "module.safetensors"));
    std::map<std::string, torch::Tensor> weights;
    for (const auto& [k, v] : all)
        if (k.rfind("in.", 0) != 0 && k.rfind("out.", 0) != 0) weights[k] = v;
    nn::MSDeformAttn module(16, 2, 2, 3);
    const LoadReport report = load_state_dict(*module, weights, true);
    CHECK(report.loaded == 8);
    torch::NoGradGuard no_grad;
    for (auto kernel : {nn::MSDAKernel::reference, nn::MSDAKernel::fast}) {
        module->kernel = kernel;
        const auto& q = all.at("in.query");
        const auto& x = all.at("in.input_flatten");
        const auto& shapes = all.at("in.spatial_shapes");
        const auto& start = all.at("in.level_start_index");
        CHECK(max_abs(module->forward(q, all.at("in.points"), x, shapes, start), all.at("out.points")) < 1e-5);
        CHECK(max_abs(module->forward(q, all.at("in.boxes"), x, shapes, start), all.at("out.boxes")) < 1e-5);
        CHECK(max_abs(module->forward(q, all.at("in.points"), x, shapes, start, all.at("in.padding_mask")), all.at("out.masked")) < 1e-5);
    }
}

TEST_CASE("weights: missing, unexpected and mismatched keys are reported by name") {
    nn::MSDeformAttn module(16, 2, 2, 3);
    std::map<std::string, torch::Tensor> weights;
    for (const auto& p : module->named_parameters()) weights[p.key()] = torch::zeros_like(p.value());
    weights.erase("value_proj.bias");
    weights["output_proj.weight"] = torch::zeros({16, 15});
    weights["extra.weight"] = torch::zeros({1});
    const LoadReport r = load_state_dict(*module, weights, false);
    CHECK(r.missing == std::vector<std::string>{"value_proj.bias"});
    CHECK(r.unexpected == std::vector<std::string>{"extra.weight"});
    REQUIRE(r.mismatched.size() == 1);
    CHECK(r.mismatched[0] == "output_proj.weight: weights 16x15 vs module 16x16");
    CHECK(r.loaded == 6);
    CHECK_THROWS_WITH_AS(load_state_dict(*module, weights, true), doctest::Contains("1 missing"), r2::Error);
}

#include "model_zoo/deformable_encoder.h"

TEST_CASE("deformable encoder layer and reference points equal Deformable DETR's") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "encoder.safetensors"));
    const auto reference = nn::encoder_reference_points(t.at("in.spatial_shapes"), t.at("in.valid_ratios"));
    CHECK(max_abs(reference, t.at("out.reference_points")) < 1e-6);
    std::map<std::string, torch::Tensor> weights;
    for (const auto& [k, v] : t)
        if (k.rfind("in.", 0) != 0 && k.rfind("out.", 0) != 0) weights[k] = v;
    nn::DeformableEncoderLayer layer(16, 32, 2, 2, 3);
    CHECK(load_state_dict(*layer, weights, true).loaded == 16);  // self_attn 8, norm1 2, linear1 2, linear2 2, norm2 2
    torch::NoGradGuard no_grad;
    const auto out = layer->forward(t.at("in.src"), t.at("in.pos"), reference, t.at("in.spatial_shapes"), t.at("in.level_start_index"),
                                    t.at("in.padding_mask"));
    CHECK(max_abs(out, t.at("out.src")) < 1e-5);
}
