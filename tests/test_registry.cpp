// The model registry, the tiny backbone, and saving / loading state dicts through safetensors.
#include <doctest/doctest.h>

#include <set>

#include "core/error.h"
#include "model_zoo/registry.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/tiny_backbone.h"
#include "model_zoo/weights.h"
#include "test_util.h"

using namespace r2;

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
        } else {
            CHECK_FALSE(s.found);
        }
    }
    CHECK(found == 1);
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
