// RoBERTa: parity with Hugging Face's RobertaModel and RobertaTokenizer (fixtures made on a
// machine with `transformers` by tests/gpu/make_roberta_fixtures.py), and the parameter names and
// counts of roberta-base and distilroberta-base.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "model_zoo/bpe_tokenizer.h"
#include "model_zoo/roberta.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/weights.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "roberta";

TEST_CASE("roberta: Hugging Face's names and parameter counts for roberta-base and distilroberta-base") {
    const auto j = nlohmann::json::parse(read_file(kDir / "roberta_configs.json"));
    for (const auto& [name, config] : {std::pair{"roberta-base", nn::RobertaConfig::roberta_base()},
                                       std::pair{"distilroberta-base", nn::RobertaConfig::distilroberta_base()}}) {
        CAPTURE(name);
        nn::RobertaModel model(config);
        std::vector<std::string> keys;
        int64_t count = 0;
        for (const auto& p : model->named_parameters()) keys.push_back(p.key()), count += p.value().numel();
        std::sort(keys.begin(), keys.end());
        CHECK(keys == j["configs"][name]["keys"].get<std::vector<std::string>>());
        CHECK(count == j["configs"][name]["parameters"].get<int64_t>());
    }
}

TEST_CASE("roberta: tokens, word features and pooled sentence feature equal Hugging Face's") {
    const auto t = tensors_from_file(SafetensorsFile::open(kDir / "roberta_tiny.safetensors"));
    const auto j = nlohmann::json::parse(read_file(kDir / "roberta_configs.json"));
    // The tokenizer reproduces RobertaTokenizer(…)(texts, padding="longest").
    const BpeTokenizer tokenizer = BpeTokenizer::load(fs::path(R2BENCH_FIXTURES) / "tokenizer/vocab.json",
                                                      fs::path(R2BENCH_FIXTURES) / "tokenizer/merges.txt");
    const auto batch = tokenizer.encode_batch(j["texts"].get<std::vector<std::string>>());
    const auto& ids = t.at("input_ids");
    const auto& mask = t.at("attention_mask");
    REQUIRE(int64_t(batch.size()) == ids.size(0));
    for (size_t b = 0; b < batch.size(); ++b) {
        CHECK(batch[b].ids == std::vector<int64_t>(ids[int64_t(b)].data_ptr<int64_t>(), ids[int64_t(b)].data_ptr<int64_t>() + ids.size(1)));
        CHECK(batch[b].attention_mask ==
              std::vector<int64_t>(mask[int64_t(b)].data_ptr<int64_t>(), mask[int64_t(b)].data_ptr<int64_t>() + mask.size(1)));
    }
    nn::RobertaModel model(nn::RobertaConfig::tiny(int64_t(tokenizer.vocab_size())));
    nn::fill_synthetic_weights(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto out = model->forward(ids, mask);
    const auto& words = t.at("last_hidden_state");
    const auto& sentence = t.at("pooler_output");
    // Padded positions are compared too: Hugging Face computes them the same way.
    CHECK((out.last_hidden_state - words).abs().max().item<double>() < 1e-4);
    CHECK((out.pooler_output - sentence).abs().max().item<double>() < 1e-4);
    CHECK(words.abs().max().item<double>() > 0.5);
}
