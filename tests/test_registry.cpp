// The model registry, the tiny backbone, and saving / loading state dicts through safetensors.
#include <doctest/doctest.h>

#include <set>

#include "core/error.h"
#include "model_zoo/mttr_family.h"
#include "model_zoo/referformer_family.h"
#include "model_zoo/model_names.h"
#include "model_zoo/parameter_counts.h"
#include "model_zoo/registry.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/tiny_backbone.h"
#include "model_zoo/weights.h"
#include "test_util.h"

using namespace r2;

TEST_CASE("registry: the torch-free name list that --help prints is the registry's, in order, bundled weights marked") {
    const auto& names = runnable_model_names();
    REQUIRE(names.size() == runnable_models().size());
    for (size_t i = 0; i < names.size(); ++i) {
        CHECK(names[i].name == runnable_models()[i].name);
        CHECK(names[i].bundled == runnable_models()[i].builtin_tokenizer);
    }
    CHECK(model_name_list(true) == "r2vos_tiny, r2vos_tiny_grounded, referformer_tiny and mttr_tiny");
}

TEST_CASE("tiny backbone: four levels at strides 4, 8, 16, 32") {
    nn::TinyBackbone model;
    torch::NoGradGuard no_grad;
    const auto levels = model->forward(torch::zeros({2, 3, 64, 96}));
    REQUIRE(levels.size() == 4);
    CHECK(levels[0].sizes() == torch::IntArrayRef({2, 16, 16, 24}));
    CHECK(levels[1].sizes() == torch::IntArrayRef({2, 32, 8, 12}));
    CHECK(levels[2].sizes() == torch::IntArrayRef({2, 64, 4, 6}));
    CHECK(levels[3].sizes() == torch::IntArrayRef({2, 128, 2, 3}));
}

TEST_CASE("registry: every parameter count from the configuration equals the built module's") {
    // `r2bench models` lists these without building anything (model_zoo/parameter_counts.h).
    for (const auto& m : registered_models()) {
        CAPTURE(m.name);
        CHECK(m.parameters() == parameter_count(*m.make()));
    }
    // A configuration off the registry's: R2-VOS with 12 text layers, without box refinement
    // (the shared head is listed once per decoder layer, as parameters() lists it).
    auto config = nn::ReferFormerConfig::r2vos_tiny();
    config.text_encoder.num_hidden_layers = 3, config.with_box_refine = false, config.num_queries = 7;
    CHECK(nn::parameter_count(config) == parameter_count(*nn::ReferFormer(config)));
    auto mttr = nn::MTTRConfig::mttr_tiny();
    mttr.num_queries = 9, mttr.mask_kernels_dim = 16, mttr.text_encoder.add_pooling_layer = true;
    CHECK(nn::parameter_count(mttr) == parameter_count(*nn::MTTR(mttr)));
    // ResNet-50's convolutions: torchvision's 25,557,032 less the fc layer (2,049,000) and the batch
    // norms' 53,120 weights and biases (buffers here: frozen batch norm).
    CHECK(nn::backbone_parameter_count("resnet50") == 25557032 - 2049000 - 53120);
    // roberta-base: Hugging Face's 124,645,632 (with the pooler).
    CHECK(nn::parameter_count(nn::RobertaConfig::roberta_base()) == 124645632);
}

TEST_CASE("registry: names are unique, models build, weights are found and loaded (strict or not)") {
    std::set<std::string> names;
    for (const auto& m : registered_models()) CHECK(names.insert(m.name).second);
    CHECK(find_model("roberta-base") != nullptr);
    CHECK(find_model("nope") == nullptr);

    r2::test::TempDir dir;
    nn::TinyBackbone trained;
    nn::fill_synthetic_weights(*trained);
    save_state_dict(*trained, dir / "tiny_cnn.safetensors");
    const auto statuses = model_statuses(dir.path, true);
    int found = 0;
    for (const auto& s : statuses) {
        CHECK(s.parameters > 0);
        if (s.model->name == "tiny_cnn") {
            REQUIRE(s.found);
            CHECK(s.load->clean());
            CHECK(s.load->loaded == 18);  // stem 2 + 4 × (conv 2 + norm 2)
            ++found;
        } else if (const auto* runnable = find_runnable_model(s.model->name); runnable && runnable->builtin_tokenizer) {
            // The tiny models' bundled weights, loaded strictly.
            REQUIRE(s.found);
            CHECK(s.weights == bundled_weights_dir() / (s.model->name + ".safetensors"));
            CHECK(s.load->clean());
            ++found;
        } else {
            CHECK_FALSE(s.found);
        }
    }
    CHECK(found == 5);  // tiny_cnn and the four bundled tiny models
    // The saved values come back bit for bit.
    nn::TinyBackbone loaded;
    load_state_dict(*loaded, tensors_from_file(SafetensorsFile::open(dir / "tiny_cnn.safetensors")), true);
    CHECK(torch::equal(loaded->stem->weight, trained->stem->weight));
    // A file for another architecture: reported, and an error under strict.
    nn::TinyBackbone other;
    save_state_dict(*other, dir / "tiny_cnn.safetensors");
    std::vector<OwnedTensor> wrong = {{"stem.weight", DType::F32, {1}, std::string(4, '\0')}};
    write_safetensors(dir / "tiny_cnn.safetensors", wrong);
    CHECK_THROWS_WITH_AS(model_statuses(dir.path, true), doctest::Contains("stem.weight: weights 1 vs module 16x3x3x3"), Error);
    for (const auto& s : model_statuses(dir.path, false))
        if (s.model->name == "tiny_cnn") CHECK(s.load->missing.size() == 17);
}

TEST_CASE("registry: runnable models, checkpoint rules and the text encoder a checkpoint was trained with") {
    for (const char* name : {"r2vos_r50", "r2vos_vswin_t", "referformer_r50", "referformer_swin_t", "referformer_vswin_t", "r2vos_tiny",
                             "r2vos_tiny_grounded", "referformer_tiny"}) {
        CAPTURE(name);
        REQUIRE(find_runnable_model(name) != nullptr);
        CHECK(find_model(name) != nullptr);
        CHECK(find_model(name)->kind == "model");
    }
    CHECK(referformer_family_of(*find_runnable_model("r2vos_r50")).config.is_r2vos());
    CHECK_FALSE(referformer_family_of(*find_runnable_model("referformer_r50")).config.is_r2vos());
    // One family interface: the name run.json records, and no model of another family passes as one.
    CHECK(find_runnable_model("r2vos_r50")->family->name() == "r2vos");
    CHECK(find_runnable_model("referformer_tiny")->family->name() == "referformer");
    CHECK(find_runnable_model("mttr_tiny")->family->name() == "mttr");
    CHECK(find_runnable_model("r2vos_tiny:t3-baseline")->family->name() == "referformer");  // no pair head: ReferFormer-style
    CHECK(find_runnable_model("r2vos_tiny")->family->trains_on_negative_sentences());
    CHECK_FALSE(find_runnable_model("referformer_tiny")->family->trains_on_negative_sentences());
    CHECK(find_runnable_model("mttr_tiny")->family->clip_sampling() == ClipSampling::referred_windows);
    CHECK(find_runnable_model("mttr_tiny")->family->text_encoder_prefix() == "transformer.text_encoder.");
    CHECK_THROWS_WITH_AS(referformer_family_of(*find_runnable_model("mttr_tiny")), "mttr_tiny: not an R2-VOS / ReferFormer model", Error);
    CHECK_THROWS_WITH_AS(mttr_family_of(*find_runnable_model("r2vos_tiny")), "r2vos_tiny: not an MTTR model", Error);

    // Aliases equal to their original are dropped; position_ids is ignored; a differing alias is an error.
    std::map<std::string, torch::Tensor> w = {{"bbox_embed.0.layers.0.weight", torch::ones({2, 2})},
                                              {"transformer.decoder.bbox_embed.0.layers.0.weight", torch::ones({2, 2})},
                                              {"text_encoder.embeddings.position_ids", torch::arange(4).view({1, 4})},
                                              {"query_embed.weight", torch::zeros({5, 2})}};
    const auto dropped = apply_checkpoint_rules(w, CheckpointRules{});
    CHECK(dropped.size() == 2);
    CHECK(w.size() == 2);
    CHECK(w.count("bbox_embed.0.layers.0.weight") == 1);
    w["transformer.decoder.bbox_embed.0.layers.0.weight"] = torch::zeros({2, 2});
    CHECK_THROWS_WITH_AS(apply_checkpoint_rules(w, CheckpointRules{}), doctest::Contains("should equal"), Error);

    // R2-VOS: 12 text layers in the checkpoint means roberta-base, 6 distilroberta-base.
    std::map<std::string, torch::Tensor> twelve = {{"text_encoder.encoder.layer.11.output.dense.bias", torch::zeros({1})}};
    CHECK(config_for_weights(referformer_family_of(*find_runnable_model("r2vos_r50")).config, twelve).text_encoder.num_hidden_layers == 12);
    CHECK(config_for_weights(referformer_family_of(*find_runnable_model("r2vos_r50")).config, {}).text_encoder.num_hidden_layers == 6);

    // Missing weights: the error names the file looked for, how to convert, and the models that need none.
    r2::test::TempDir dir;
    CHECK_THROWS_WITH_AS(load_runnable_model("r2vos_r50", dir.path), doctest::Contains("convert-weights"), Error);
    CHECK_THROWS_WITH_AS(load_runnable_model("r2vos_r50", dir.path), doctest::Contains("r2vos_tiny"), Error);
    // The tiny models fall back to their bundled weights, trained by scripts/train_tiny.sh.
    for (const char* tiny : {"r2vos_tiny", "r2vos_tiny_grounded", "referformer_tiny", "mttr_tiny"}) {
        const auto bundled = load_runnable_model(tiny, dir.path);
        CHECK(bundled.weights == bundled_weights_dir() / (std::string(tiny) + ".safetensors"));
        CHECK(bundled.report.clean());
    }
    CHECK_THROWS_WITH_AS(load_runnable_model("nope", dir.path), doctest::Contains("unknown model 'nope'"), Error);
    // A saved tiny model loads strictly and gives the same outputs.
    auto synthetic = load_runnable_model("r2vos_tiny", dir.path, {}, /*allow_synthetic=*/true);
    save_state_dict(*synthetic.module(), dir / "r2vos_tiny.safetensors");
    auto loaded = load_runnable_model("r2vos_tiny", dir.path);
    CHECK(loaded.report.clean());
    CHECK(loaded.weights == dir / "r2vos_tiny.safetensors");
    torch::NoGradGuard no_grad;
    const auto frames = nn::synthetic_image(2, 3, 32, 48);
    const auto ids = torch::tensor({0, 50, 60, 2}, torch::kInt64).view({1, 4});
    const auto mask = torch::ones({1, 4}, torch::kInt64);
    CHECK(torch::equal(synthetic.as<nn::ReferFormer>()->forward(frames, ids, mask).pred_masks.back(), loaded.as<nn::ReferFormer>()->forward(frames, ids, mask).pred_masks.back()));
    // Tokenizers: built in for the tiny models; RoBERTa's files for the others, named when absent.
    CHECK(tokenizer_for(*find_runnable_model("r2vos_tiny"), dir.path).vocab_size() == 260);
    CHECK_THROWS_WITH_AS(tokenizer_for(*find_runnable_model("referformer_r50"), dir.path), doctest::Contains("vocab.json"), Error);
}
