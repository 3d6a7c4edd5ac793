// Swin Transformer: parity with ReferFormer's own models/swin_transformer.py (fixtures made on a
// machine with timm by tests/gpu/make_swin_fixtures.py) and Swin-T's names and parameter count.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/swin.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/weights.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "swin";

TEST_CASE("swin: Swin-T's official names and parameter count") {
    const auto j = nlohmann::json::parse(read_file(kDir / "swin_configs.json"));
    nn::SwinTransformer model;
    std::vector<std::string> keys;
    int64_t count = 0;
    for (const auto& p : model->named_parameters()) keys.push_back(p.key()), count += p.value().numel();
    for (const auto& b : model->named_buffers()) keys.push_back(b.key());
    std::sort(keys.begin(), keys.end());
    CHECK(keys == j["swin_t"]["keys"].get<std::vector<std::string>>());
    CHECK(count == j["swin_t"]["parameters"].get<int64_t>());
}

TEST_CASE("swin: stage outputs equal ReferFormer's Swin on an odd-sized input (all padding paths)") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "swin_tiny.safetensors"));
    nn::SwinConfig c;
    c.embed_dim = 16, c.depths = {2, 2}, c.num_heads = {1, 2}, c.window_size = 3;
    nn::SwinTransformer model(c);
    nn::fill_synthetic_weights(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto image = nn::synthetic_image(2, 3, 37, 50);
    CHECK((image - t.at("image")).abs().max().item<double>() == 0.0);
    const auto outs = model->forward(image);
    REQUIRE(outs.size() == 2);
    for (int i = 0; i < 2; ++i) {
        const auto& expected = t.at("stage" + std::to_string(i));
        REQUIRE(outs[size_t(i)].sizes() == expected.sizes());
        CHECK((outs[size_t(i)] - expected).abs().max().item<double>() < 1e-4);
        CHECK(expected.abs().max().item<double>() > 0.5);
    }
}
