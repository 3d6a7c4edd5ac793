// ResNet-50 and the sine position embedding: parity with torchvision and Deformable DETR
// (fixtures made by tests/fixtures/backbone/make_backbone_fixtures.py; the weights come from the
// shared formula of model_zoo/synthetic_weights.h, so only outputs are committed).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "model_zoo/position_embedding.h"
#include "model_zoo/resnet.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/weights.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "backbone";

TEST_CASE("resnet50: torchvision's parameter and buffer names") {
    nn::ResNet50 model;
    std::vector<std::string> names;
    for (const auto& p : model->named_parameters()) names.push_back(p.key());
    for (const auto& b : model->named_buffers()) names.push_back(b.key());
    std::sort(names.begin(), names.end());
    const auto expected = nlohmann::json::parse(read_file(kDir / "resnet50_keys.json")).get<std::vector<std::string>>();
    CHECK(names == expected);
    CHECK(names.size() == 265);  // 53 convolutions + 53 frozen batch norms x 4 buffers
}

TEST_CASE("resnet50: layer1..layer4 equal torchvision's on the same weights") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "resnet50.safetensors"));
    nn::ResNet50 model;
    nn::fill_synthetic_weights(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto image = nn::synthetic_image(1, 3, 64, 96);
    CHECK((image - t.at("image")).abs().max().item<double>() == 0.0);
    const auto out = model->forward(image);
    const char* names[] = {"layer1", "layer2", "layer3", "layer4"};
    for (int i = 0; i < 4; ++i) {
        CAPTURE(names[i]);
        const auto& expected = t.at(names[i]);
        REQUIRE(out[size_t(i)].sizes() == expected.sizes());
        const double scale = expected.abs().max().item<double>();
        CHECK(scale > 0.1);  // activations are alive, so the comparison means something
        CHECK((out[size_t(i)] - expected).abs().max().item<double>() <= 1e-4 * std::max(1.0, scale));
    }
}

TEST_CASE("position embedding: 2-D sine equals Deformable DETR's, 1-D by hand") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "resnet50.safetensors"));
    const auto pos = nn::position_embedding_sine_2d(t.at("pos.mask"));
    CHECK((pos - t.at("pos.embedding")).abs().max().item<double>() < 1e-5);
    // 1-D, 4 features, no padding, L = 2: embed = [1, 2] / (2 + 1e-6) · 2π; f = embed / 10000^(2⌊i/2⌋/4).
    const auto one = nn::position_embedding_sine_1d(torch::zeros({1, 2}, torch::kBool), 4);
    const double e1 = 1 / (2 + 1e-6) * 2 * M_PI, e2 = 2 / (2 + 1e-6) * 2 * M_PI;
    CHECK(one[0][0][0].item<double>() == doctest::Approx(std::sin(e1)).epsilon(1e-5));
    CHECK(one[0][1][1].item<double>() == doctest::Approx(std::cos(e2)).epsilon(1e-5));
    CHECK(one[0][2][0].item<double>() == doctest::Approx(std::sin(e1 / 100.0)).epsilon(1e-5));
    CHECK(one[0][3][1].item<double>() == doctest::Approx(std::cos(e2 / 100.0)).epsilon(1e-5));
}
