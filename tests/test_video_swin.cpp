// Video Swin: parity with ReferFormer's own VideoSwinTransformerBackbone (fixtures made on a machine
// with timm by tests/gpu/make_video_swin_fixtures.py), and video_swin_t's names and parameter count.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/video_swin.h"
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
