// R2-VOS and ReferFormer: official key names, parity of every output with the official PyTorch
// models (fixtures made with the official repositories' own code by
// tests/fixtures/models/make_model_fixtures.py), the shared post-processing, and the tiny models.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "model_zoo/postprocess.h"
#include "model_zoo/referformer.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/weights.h"
#include "model_fixture.h"

using namespace r2;
namespace fs = std::filesystem;

namespace {

using test::fixture_config;
using test::kFullModels;
using test::load_model_fixture;

const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "models";

using test::max_abs_diff;

}  // namespace

TEST_CASE("referformer: the dynamic mask head has 2153 generated parameters (official sizes)") {
    CHECK(nn::ReferFormerConfig::referformer("resnet50").dynamic_params() == 2153);
    CHECK(nn::ReferFormerConfig::r2vos_tiny().dynamic_params() == (64 + 2) * 8 + 8 + 8 * 8 + 8 + 8 + 1);
}

TEST_CASE("referformer: inverse_sigmoid clamps as Deformable DETR") {
    const auto x = torch::tensor({0.0, 0.5, 1.0, 0.25});
    const auto y = nn::inverse_sigmoid(x);
    CHECK(y[1].item<double>() == doctest::Approx(0.0));
    CHECK(y[0].item<double>() == doctest::Approx(std::log(1e-5)).epsilon(1e-6));
    CHECK(y[2].item<double>() == doctest::Approx(-std::log(1e-5)).epsilon(1e-6));
    CHECK(y[3].item<double>() == doctest::Approx(std::log(0.25 / 0.75)).epsilon(1e-6));
}

TEST_CASE("referformer: the full models hold exactly the official checkpoint keys") {
    for (const std::string& model : kFullModels) {
        CAPTURE(model);
        const auto f = load_model_fixture(kDir, model);
        nn::ReferFormer m(fixture_config(model));
        const auto keys = test::compare_keys(*m, f);
        CHECK_MESSAGE(keys.only_module.empty(), "not in the official model: ", keys.only_module.size() ? keys.only_module.front() : "");
        CHECK_MESSAGE(keys.only_official.empty(), "missing here: ", keys.only_official.size() ? keys.only_official.front() : "");
        CHECK(keys.parameters == f.keys["parameter_count"].get<int64_t>());
    }
}

TEST_CASE("referformer: every output equals the official PyTorch model (float32, ≤ 1e-4, relative for mask logits above 1)") {
    torch::NoGradGuard no_grad;
    for (const std::string& model : kFullModels) {
        CAPTURE(model);
        const auto f = load_model_fixture(kDir, model);
        auto m = test::model_with_fixture_weights(model, f);
        const auto& clip = f.tensors.at("clip");
        const auto orig = f.tensors.at("orig_size");
        for (int s = 0; s < 2; ++s) {
            CAPTURE(s);
            const std::string p = "s" + std::to_string(s) + ".";
            const auto out = m->forward(clip, f.tensors.at(p + "input_ids"), f.tensors.at(p + "attention_mask"), /*all_layer_masks=*/true);
            CHECK(max_abs_diff(out.pred_logits.squeeze(-1), f.tensors.at(p + "pred_logits").squeeze(-1)) <= 1e-4);
            CHECK(max_abs_diff(out.pred_boxes, f.tensors.at(p + "pred_boxes")) <= 1e-4);
            const auto official_masks = f.tensors.at(p + "pred_masks");
            for (size_t l = 0; l < out.pred_masks.size(); ++l) {
                CAPTURE(l);
                // Mask logits reach |23| on Swin-T; there float32 rounding alone moves them by more than
                // 1e-4 (the official code differs from itself by 4.4e-4 between torch 1.13 and 2.11
                // on this fixture), so the bound scales with the logits' size: 1e-4 up to |1|.
                const double scale = std::max(1.0, official_masks[int64_t(l)].abs().max().item<double>());
                CHECK(max_abs_diff(out.pred_masks[l], official_masks[int64_t(l)]) <= 1e-4 * scale);
            }
            if (fixture_config(model).is_r2vos()) {
                CHECK(max_abs_diff(out.text_sentence_feature, f.tensors.at(p + "text_sentence_feature")) <= 1e-4);
                CHECK(max_abs_diff(out.pseudo_sentence_feature, f.tensors.at(p + "pseudo_sentence_feature")) <= 1e-4);
                CHECK(max_abs_diff(out.pair_logit.sigmoid(), f.tensors.at(p + "pair_logits")) <= 1e-4);
            }
            const auto prediction = nn::postprocess_referformer(out, orig[0].item<int64_t>(), orig[1].item<int64_t>());
            CHECK(prediction.best_query == f.tensors.at(p + "best_query").item<int64_t>());
            // Binary masks: identical, except where the resized logit is within float32 noise of the
            // threshold (the official code flips such pixels between PyTorch builds too).
            const auto official_binary = f.tensors.at(p + "masks").to(torch::kUInt8);
            const auto differ = prediction.masks.ne(official_binary);
            const int64_t flipped = differ.sum().item<int64_t>();
            if (flipped > 0) {
                namespace F = torch::nn::functional;
                const auto logits = F::interpolate(out.pred_masks.back().select(1, prediction.best_query).unsqueeze(0),
                                                   F::InterpolateFuncOptions().size(std::vector<int64_t>{orig[0].item<int64_t>(), orig[1].item<int64_t>()})
                                                       .mode(torch::kBilinear).align_corners(false))[0];
                const double worst = logits.abs().masked_select(differ).max().item<double>();
                MESSAGE(model, " s", s, ": ", flipped, " of ", differ.numel(), " mask pixels differ, |logit| ≤ ", worst);
                CHECK(worst <= 1e-4 * std::max(1.0, out.pred_masks.back().abs().max().item<double>()));
            }
            CHECK(flipped <= 2);
            if (fixture_config(model).is_r2vos()) CHECK(prediction.rejected == (f.tensors.at(p + "rejected").item<int64_t>() != 0));
        }
    }
}

TEST_CASE("referformer: the tiny models run, give their shapes, and are deterministic") {
    torch::NoGradGuard no_grad;
    for (const auto& config : {nn::ReferFormerConfig::r2vos_tiny(), nn::ReferFormerConfig::referformer_tiny()}) {
        nn::ReferFormer m(config);
        nn::fill_synthetic_weights(*m);
        m->eval();
        const auto frames = nn::synthetic_image(3, 3, 45, 61);
        const auto ids = torch::tensor({0, 120, 44, 99, 2}, torch::kInt64).view({1, 5});
        const auto mask = torch::ones({1, 5}, torch::kInt64);
        const auto a = m->forward(frames, ids, mask, true), b = m->forward(frames, ids, mask, true);
        CHECK(a.pred_logits.sizes() == std::vector<int64_t>{2, 3, 5, 1});
        CHECK(a.pred_boxes.sizes() == std::vector<int64_t>{2, 3, 5, 4});
        CHECK(a.pred_masks.back().sizes() == std::vector<int64_t>{3, 5, 12, 16});
        CHECK(torch::equal(a.pred_masks.back(), b.pred_masks.back()));
        CHECK(a.pair_logit.defined() == config.is_r2vos());
        // Boxes are sigmoids; the post-processing keeps the original size.
        CHECK(a.pred_boxes.min().item<float>() >= 0.f);
        CHECK(a.pred_boxes.max().item<float>() <= 1.f);
        const auto p = nn::postprocess_referformer(a, 90, 122);
        CHECK(p.masks.sizes() == std::vector<int64_t>{3, 90, 122});
        CHECK(p.best_query >= 0);
        CHECK(p.best_query < 5);
    }
}

TEST_CASE("postprocess: the best query is the argmax of the frame-mean class probability, masks bilinear then > 0.5") {
    nn::ReferFormerOutputs out;
    // 2 frames, 3 queries: query 1 scores high on average though query 2 wins frame 0.
    out.pred_logits = torch::tensor({0.0f, 1.0f, 2.0f, 0.0f, 3.0f, -2.0f}).view({1, 2, 3, 1});
    auto masks = torch::full({2, 3, 2, 2}, -5.0f);
    masks[0][1][0][0] = 5.0f;  // query 1, frame 0: top-left pixel on
    masks[1][1][1][1] = 5.0f;  // query 1, frame 1: bottom-right pixel on
    out.pred_masks = {masks};
    const auto p = nn::postprocess_referformer(out, 2, 2);
    CHECK(p.best_query == 1);
    CHECK(p.masks[0][0][0].item<int>() == 1);
    CHECK(p.masks[0][1][1].item<int>() == 0);
    CHECK(p.masks[1][1][1].item<int>() == 1);
    CHECK(p.alignment == doctest::Approx((1 / (1 + std::exp(-1.0)) + 1 / (1 + std::exp(-3.0))) / 2).epsilon(1e-6));
    CHECK_FALSE(p.rejected);
    // A pair logit ≥ 0 means p_neg ≥ 0.5: rejected, masks zeroed, A = 1 − p_neg.
    out.pair_logit = torch::tensor({{0.0f}});
    const auto r = nn::postprocess_referformer(out, 2, 2);
    CHECK(r.rejected);
    CHECK(r.alignment == doctest::Approx(0.5));
    CHECK(r.output_masks().sum().item<int64_t>() == 0);
    CHECK(r.masks.sum().item<int64_t>() == 2);
}
