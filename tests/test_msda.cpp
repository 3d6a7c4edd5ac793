// Multi-scale deformable attention: parity with Deformable DETR's PyTorch code (fixtures made by
// tests/fixtures/msda/make_msda_fixtures.py), and the weight-loading report.
#include <doctest/doctest.h>

#include <ATen/Parallel.h>

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

TEST_CASE("msda: the fast kernel's backward equals the grid_sample reference's gradients, on both ISAs and in float64") {
    torch::manual_seed(3);
    // 2 frames, 3 heads of 16 channels, 2 levels (4x6, 2x3), 7 queries, 3 points; some samples
    // outside the levels and on their borders, where the zero padding shapes the gradient.
    const auto shapes = torch::tensor({4, 6, 2, 3}, torch::kInt64).view({2, 2});
    const auto starts = torch::tensor({0, 24}, torch::kInt64);
    const int64_t N = 2, S = 30, M = 3, D = 16, Lq = 7, L = 2, P = 3;
    for (const auto dtype : {torch::kFloat32, torch::kFloat64}) {
        for (const bool avx2 : {true, false}) {
            INFO("dtype " << dtype << ", avx2 " << avx2);
            nn::set_msda_avx2_allowed(avx2);
            const auto options = torch::TensorOptions().dtype(dtype);
            const auto value0 = torch::randn({N, S, M, D}, options);
            const auto loc0 = torch::rand({N, Lq, M, L, P, 2}, options) * 1.4 - 0.2;
            const auto attn0 = torch::rand({N, Lq, M, L, P}, options);
            const auto grad_out = torch::randn({N, Lq, M * D}, options);
            auto grads = [&](nn::MSDAKernel kernel) {
                auto value = value0.clone().requires_grad_(true), loc = loc0.clone().requires_grad_(true), attn = attn0.clone().requires_grad_(true);
                const auto out = nn::ms_deform_attn(value, shapes, starts, loc, attn, kernel);
                out.backward(grad_out);
                return std::vector<torch::Tensor>{out.detach(), value.grad(), loc.grad(), attn.grad()};
            };
            const auto reference = grads(nn::MSDAKernel::reference), fast = grads(nn::MSDAKernel::fast);
            const double tolerance = dtype == torch::kFloat64 ? 1e-10 : 2e-5;
            CHECK(max_abs(fast[0], reference[0]) < tolerance);
            CHECK(max_abs(fast[1], reference[1]) < tolerance);  // value
            CHECK(max_abs(fast[2], reference[2]) < tolerance * 10);  // locations: × W, H
            CHECK(max_abs(fast[3], reference[3]) < tolerance);  // attention weights
            CHECK(fast[1].abs().sum().item<double>() > 0);
            CHECK(fast[2].abs().sum().item<double>() > 0);
        }
    }
    nn::set_msda_avx2_allowed(true);
    // The gradient does not depend on the thread count (one task per frame and head).
    at::set_num_threads(1);
    auto value = torch::randn({N, S, M, D}).requires_grad_(true);
    const auto loc = torch::rand({N, Lq, M, L, P, 2}), attn = torch::rand({N, Lq, M, L, P});
    nn::ms_deform_attn(value, shapes, starts, loc, attn, nn::MSDAKernel::fast).sum().backward();
    const auto one_thread = value.grad().clone();
    value.grad().zero_();
    at::set_num_threads(2);
    nn::ms_deform_attn(value, shapes, starts, loc, attn, nn::MSDAKernel::fast).sum().backward();
    CHECK(torch::equal(value.grad(), one_thread));
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
