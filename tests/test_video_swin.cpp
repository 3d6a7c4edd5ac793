// Video Swin: parity with ReferFormer's own VideoSwinTransformerBackbone (fixtures made on a machine
// with timm by tests/gpu/make_video_swin_fixtures.py), and video_swin_t's names and parameter count.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/video_swin.h"
#include "model_zoo/window_attention.h"
#include "model_zoo/weights.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "video_swin";

TEST_CASE("video swin: video_swin_t's official names and parameter count") {
    const auto j = nlohmann::json::parse(read_file(kDir / "video_swin_configs.json"));
    nn::VideoSwinTransformer model;
    std::vector<std::string> keys;
    int64_t count = 0;
    for (const auto& p : model->named_parameters()) keys.push_back(p.key()), count += p.value().numel();
    for (const auto& b : model->named_buffers()) keys.push_back(b.key());
    std::sort(keys.begin(), keys.end());
    CHECK(keys == j["video_swin_t"]["keys"].get<std::vector<std::string>>());
    CHECK(count == j["video_swin_t"]["parameters"].get<int64_t>());
}

TEST_CASE("video swin: stage outputs equal ReferFormer's for a 3-frame clip and for shrunk windows") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "video_swin_tiny.safetensors"));
    nn::VideoSwinConfig c;
    c.embed_dim = 16, c.depths = {2, 2}, c.num_heads = {1, 2}, c.window_size = {2, 3, 3};
    nn::VideoSwinTransformer model(c);
    nn::fill_synthetic_weights(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    for (const auto& [clip, frames] : {std::pair{"clip3", 3}, std::pair{"clip1", 1}}) {
        CAPTURE(clip);
        const auto outs = model->forward(t.at(std::string(clip) + ".samples"), frames);
        REQUIRE(outs.size() == 2);
        for (int i = 0; i < 2; ++i) {
            const auto& expected = t.at(std::string(clip) + ".stage" + std::to_string(i));
            REQUIRE(outs[size_t(i)].sizes() == expected.sizes());
            CHECK((outs[size_t(i)] - expected).abs().max().item<double>() < 1e-4);
        }
    }
}

TEST_CASE("window attention: the fused AVX2 kernel equals the PyTorch-op path (bias, shift mask, N not a multiple of 8)") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(7);
    for (const bool shifted : {false, true}) {
        CAPTURE(shifted);
        // 3 heads of 32 channels; windows of 3 × 5 × 7 = 105 positions; 2 clips × 4 windows.
        const nn::Size3 window = {3, 5, 7};
        nn::WindowAttention attention(96, window, 3);
        nn::fill_synthetic_weights(*attention);
        attention->relative_position_bias_table.copy_(torch::randn_like(attention->relative_position_bias_table));
        const auto windows = torch::randn({8, 105, 96}) * 2;
        const auto mask = shifted ? nn::shifted_window_mask(3, 10, 14, window, {1, 2, 3}, torch::kCPU) : torch::Tensor();
        if (shifted) REQUIRE(mask.size(0) == 4);
        nn::set_window_attention_kernel_allowed(false);
        const auto reference = attention->forward(windows, mask);
        nn::set_window_attention_kernel_allowed(true);
        const auto fused = attention->forward(windows, mask);
        REQUIRE(fused.sizes() == reference.sizes());
        const double diff = (fused - reference).abs().max().item<double>();
        MESSAGE("max |fused - reference| = ", diff, " (outputs up to ", reference.abs().max().item<double>(), ")");
        CHECK(diff <= 1e-5 * std::max(1.0, reference.abs().max().item<double>()));
        // And it is not the same code path by accident: a different mask changes the output.
        if (shifted) CHECK((attention->forward(windows, {}) - fused).abs().max().item<double>() > 1e-3);
    }
}
