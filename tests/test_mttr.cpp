// MTTR: official key names, parity of every decoder layer's outputs with the official PyTorch
// model (fixture made with mttr2021/MTTR's own code by tests/fixtures/models/make_model_fixtures.py
// --mttr-repo), its post-processing, DETR's resize rule, and the tiny variant.
#include <doctest/doctest.h>

#include <set>

#include "model_zoo/mttr_family.h"
#include "model_zoo/mttr.h"
#include "model_zoo/position_embedding.h"
#include "model_zoo/postprocess.h"
#include "model_zoo/registry.h"
#include "model_zoo/synthetic_weights.h"
#include "model_fixture.h"
#include "runners/pil_resize.h"
#include "runners/segmentation_model.h"

using namespace r2;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "models";

using test::max_abs_diff;

}  // namespace

TEST_CASE("mttr: the model holds exactly the official checkpoint keys (no text pooler, 3 Video Swin stages)") {
    const auto f = test::load_model_fixture(kDir, "mttr_vswin_t");
    nn::MTTR m(nn::MTTRConfig::mttr());
    const auto keys = test::compare_keys(*m, f);
    CHECK_MESSAGE(keys.only_module.empty(), "not in the official model: ", keys.only_module.size() ? keys.only_module.front() : "");
    CHECK_MESSAGE(keys.only_official.empty(), "missing here: ", keys.only_official.size() ? keys.only_official.front() : "");
    CHECK(keys.parameters == f.keys["parameter_count"].get<int64_t>());
    CHECK(keys.module_keys.count("transformer.text_encoder.pooler.dense.weight") == 0);
    CHECK(keys.module_keys.count("backbone.downsamples.1.reduction.weight") == 1);
    CHECK(keys.module_keys.count("backbone.downsamples.2.reduction.weight") == 0);
    CHECK(keys.module_keys.count("backbone.layers.3.blocks.0.norm1.weight") == 0);
}

TEST_CASE("mttr: every decoder layer's outputs equal the official PyTorch model (float32, ≤ 1e-4), then the same query and masks") {
    torch::NoGradGuard no_grad;
    const auto f = test::load_model_fixture(kDir, "mttr_vswin_t");
    nn::MTTR m(nn::MTTRConfig::mttr());
    m->eval();
    test::load_fixture_weights(*m, f);
    const auto& clip = f.tensors.at("clip");
    const int64_t H = clip.size(2), W = clip.size(3);
    const auto orig = f.tensors.at("orig_size");
    const int64_t orig_h = orig[0].item<int64_t>(), orig_w = orig[1].item<int64_t>();
    for (int s = 0; s < 2; ++s) {
        CAPTURE(s);
        const std::string p = "s" + std::to_string(s) + ".";
        const auto out = m->forward(clip, f.tensors.at(p + "input_ids"), f.tensors.at(p + "attention_mask"), /*all_layer_masks=*/true);
        CHECK(max_abs_diff(out.pred_is_referred, f.tensors.at(p + "pred_is_referred")) <= 1e-4);
        const auto official_masks = f.tensors.at(p + "pred_masks");
        REQUIRE(out.pred_masks.size() == 3);
        for (size_t l = 0; l < out.pred_masks.size(); ++l) {
            CAPTURE(l);
            // Absolute 1e-4 (mask logits here stay below |9|; measured: ≤ 2e-5).
            CHECK(max_abs_diff(out.pred_masks[l], official_masks[int64_t(l)]) <= 1e-4);
        }
        const auto prediction = nn::postprocess_mttr(out, H, W, orig_h, orig_w);
        CHECK(prediction.best_query == f.tensors.at(p + "best_query").item<int64_t>());
        CHECK_FALSE(prediction.rejected);
        const auto official_binary = f.tensors.at(p + "masks").to(torch::kUInt8);
        const int64_t differ = prediction.masks.ne(official_binary).sum().item<int64_t>();
        // The fixture's masks cover about half of each frame: a real comparison, not empty = empty.
        CHECK(official_binary.sum().item<int64_t>() > 10000);
        CHECK(differ == 0);
    }
}

TEST_CASE("mttr postprocess: best query by the frame-mean softmax[0] — binary masks at the input size, then NEAREST to the original") {
    nn::MTTROutputs out;
    // T = 2 frames, Q = 2 queries. Referred probabilities (softmax index 0): query 0 → 0.9 then
    // 0.1 (mean 0.5), query 1 → 0.6 twice (mean 0.6): query 1 wins although query 0 wins frame 0.
    auto logit = [](double p) { return std::log(p / (1 - p)); };
    out.pred_is_referred = torch::zeros({1, 2, 2, 2});
    out.pred_is_referred[0][0][0][0] = logit(0.9);
    out.pred_is_referred[0][1][0][0] = logit(0.1);
    out.pred_is_referred[0][0][1][0] = logit(0.6);
    out.pred_is_referred[0][1][1][0] = logit(0.6);
    // Mask logits of 1 × 2 per frame: [1, −3]. Bilinear to the input size 1 × 2 is the identity,
    // so the binary mask is [1, 0]; nearest to 1 × 4 gives [1, 1, 0, 0]. Resizing the logits
    // bilinearly to 1 × 4 first (ReferFormer's way) would give [1, 0, 0, 0] (0.75·1 − 0.25·3 = 0).
    out.pred_masks = {torch::tensor({1.f, -3.f}).view({1, 1, 1, 2}).expand({2, 2, 1, 2}).contiguous()};
    const auto p = nn::postprocess_mttr(out, 1, 2, 1, 4);
    CHECK(p.best_query == 1);
    CHECK(p.alignment == doctest::Approx(0.6).epsilon(1e-6));
    CHECK(p.frame_scores[0].item<double>() == doctest::Approx(0.6).epsilon(1e-6));
    CHECK_FALSE(p.rejected);
    CHECK(torch::equal(p.masks, torch::tensor({1, 1, 0, 0}, torch::kUInt8).view({1, 1, 4}).expand({2, 1, 4})));
}

TEST_CASE("mttr position embedding: DETR's sine without the −0.5 offset, channels last") {
    const auto mask = torch::zeros({1, 2, 3}, torch::kBool);
    const auto pos = nn::position_embedding_sine_2d_channels_last(mask, 4);
    REQUIRE(pos.sizes() == std::vector<int64_t>{1, 2, 3, 8});
    // y of row 1 = 2 / (2 + 1e-6) · 2π; x of column 0 = 1 / (3 + 1e-6) · 2π; feature 0 is sin(e),
    // feature 1 cos(e / 10000^(2·0/4)) = cos(e), feature 2 sin(e / 100).
    const double y1 = 2 / (2 + 1e-6) * 2 * M_PI, x0 = 1 / (3 + 1e-6) * 2 * M_PI;
    CHECK(pos[0][1][0][0].item<double>() == doctest::Approx(std::sin(y1)).epsilon(1e-5));
    CHECK(pos[0][1][0][1].item<double>() == doctest::Approx(std::cos(y1)).epsilon(1e-5));
    CHECK(pos[0][1][0][2].item<double>() == doctest::Approx(std::sin(y1 / 100)).epsilon(1e-5));
    CHECK(pos[0][1][0][4].item<double>() == doctest::Approx(std::sin(x0)).epsilon(1e-5));
    // Deformable DETR's variant (ReferFormer) is channels first and offset by −0.5.
    const auto offset = nn::position_embedding_sine_2d(mask, 4);
    CHECK(offset[0][0][1][0].item<double>() == doctest::Approx(std::sin((2 - 0.5) / (2 + 1e-6) * 2 * M_PI)).epsilon(1e-5));
}

TEST_CASE("DETR's RandomResize(360, max_size=640): the shorter side is capped first, then the longer one truncated") {
    CHECK(detr_resize_size(1280, 720, 360, 640) == std::array<int, 2>{640, 360});
    CHECK(detr_resize_size(1920, 800, 360, 640) == std::array<int, 2>{640, 267});  // torchvision's cap: 640x266
    CHECK(torchvision_resize_size(1920, 800, 360, 640) == std::array<int, 2>{640, 266});
    CHECK(detr_resize_size(720, 1280, 360, 640) == std::array<int, 2>{360, 640});
    CHECK(detr_resize_size(640, 360, 360, 640) == std::array<int, 2>{640, 360});    // already the size
    CHECK(detr_resize_size(64, 48, 360, 640) == std::array<int, 2>{480, 360});
    CHECK(detr_resize_size(1000, 200, 360, 640) == std::array<int, 2>{640, 128});   // round(128.0), int(640.0)
}

TEST_CASE("mttr_tiny: runs with the registry's entry, gives its shapes, is deterministic — MTTR lower-cases its sentences") {
    torch::NoGradGuard no_grad;
    const RunnableModel* entry = find_runnable_model("mttr_tiny");
    REQUIRE(entry != nullptr);
    CHECK(entry->family->name() == "mttr");
    CHECK(entry->checkpoint.official_key == "model_state_dict");
    CHECK(find_runnable_model("mttr_vswin_t")->preprocessing.detr_max_size);
    nn::MTTR m(mttr_family_of(*entry).config);
    nn::fill_synthetic_weights(*m);
    m->eval();
    const auto frames = nn::synthetic_image(3, 3, 45, 61);
    const auto ids = torch::tensor({0, 120, 44, 99, 2}, torch::kInt64).view({1, 5});
    const auto mask = torch::ones({1, 5}, torch::kInt64);
    const auto a = m->forward(frames, ids, mask, true), b = m->forward(frames, ids, mask, true);
    CHECK(a.pred_is_referred.sizes() == std::vector<int64_t>{2, 3, 50, 2});
    REQUIRE(a.pred_masks.size() == 2);
    CHECK(a.pred_masks.back().sizes() == std::vector<int64_t>{3, 50, 12, 16});
    CHECK(torch::equal(a.pred_masks.back(), b.pred_masks.back()));
    // The clip's features serve every sentence: decode(encode_clip) == forward.
    const auto clip = m->encode_clip(frames);
    const auto c = m->decode(clip, m->encode_text(ids, mask));
    CHECK(torch::equal(c.pred_masks.back(), a.pred_masks.back()));
    const auto p = nn::postprocess_mttr(a, 45, 61, 90, 122);
    CHECK(p.masks.sizes() == std::vector<int64_t>{3, 90, 122});

    const auto tokenizer = BpeTokenizer::byte_level();
    const auto messy = tokenize_sentence(tokenizer, entry->family->text_config(), entry->preprocessing, "  The  DOG\tjumps ", torch::kCPU);
    const auto clean = tokenize_sentence(tokenizer, entry->family->text_config(), entry->preprocessing, "the dog jumps", torch::kCPU);
    CHECK(torch::equal(messy.input_ids, clean.input_ids));
    const auto referformer = find_runnable_model("referformer_tiny");
    const auto kept = tokenize_sentence(tokenizer, referformer->family->text_config(), referformer->preprocessing, "The DOG", torch::kCPU);
    CHECK(kept.input_ids.size(1) == 9);  // <s>, 7 bytes, </s>: ReferFormer keeps the text as given
}
