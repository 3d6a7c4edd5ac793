#include "model_zoo/roberta.h"
#include "model_zoo/module_group.h"

#include <cmath>
#include <limits>

namespace r2::nn {

RobertaConfig RobertaConfig::roberta_base() { return {}; }

RobertaConfig RobertaConfig::distilroberta_base() {
    RobertaConfig c;
    c.num_hidden_layers = 6;
    return c;
}

RobertaConfig RobertaConfig::tiny(int64_t vocab_size) {
    RobertaConfig c;
    c.vocab_size = vocab_size, c.hidden_size = 64, c.num_hidden_layers = 2, c.num_attention_heads = 4;
    c.intermediate_size = 128, c.max_position_embeddings = 66;
    return c;
}

namespace {
torch::nn::LayerNorm layer_norm(const RobertaConfig& c) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}
}  // namespace

RobertaEmbeddingsImpl::RobertaEmbeddingsImpl(const RobertaConfig& c) : config(c) {
    word_embeddings = register_module("word_embeddings", torch::nn::Embedding(c.vocab_size, c.hidden_size));
    position_embeddings = register_module("position_embeddings", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
    token_type_embeddings = register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, c.hidden_size));
    LayerNorm = register_module("LayerNorm", layer_norm(c));
}

torch::Tensor RobertaEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
    // RoBERTa numbers positions from pad_token_id + 1 and gives padding the pad position.
    const auto not_pad = input_ids.ne(config.pad_token_id).to(torch::kInt64);
    const auto positions = not_pad.cumsum(1) * not_pad + config.pad_token_id;
    const auto types = torch::zeros_like(input_ids);
    return LayerNorm(word_embeddings(input_ids) + token_type_embeddings(types) + position_embeddings(positions));
}

RobertaLayerImpl::RobertaLayerImpl(const RobertaConfig& c) : heads(c.num_attention_heads) {
    auto attention = register_module("attention", std::make_shared<Group>());
    auto self = attention->register_module("self", std::make_shared<Group>());
    query = self->register_module("query", torch::nn::Linear(c.hidden_size, c.hidden_size));
    key = self->register_module("key", torch::nn::Linear(c.hidden_size, c.hidden_size));
    value = self->register_module("value", torch::nn::Linear(c.hidden_size, c.hidden_size));
    auto attention_output = attention->register_module("output", std::make_shared<Group>());
    attention_dense = attention_output->register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
    attention_norm = attention_output->register_module("LayerNorm", layer_norm(c));
    auto intermediate = register_module("intermediate", std::make_shared<Group>());
    intermediate_dense = intermediate->register_module("dense", torch::nn::Linear(c.hidden_size, c.intermediate_size));
    auto output = register_module("output", std::make_shared<Group>());
    output_dense = output->register_module("dense", torch::nn::Linear(c.intermediate_size, c.hidden_size));
    output_norm = output->register_module("LayerNorm", layer_norm(c));
}

torch::Tensor RobertaLayerImpl::forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask) {
    const int64_t B = hidden.size(0), L = hidden.size(1), H = hidden.size(2), d = H / heads;
    auto split = [&](const torch::Tensor& x) { return x.view({B, L, heads, d}).transpose(1, 2); };  // (B, heads, L, d)
    const auto q = split(query(hidden)), k = split(key(hidden)), v = split(value(hidden));
    auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(d)) + additive_mask;
    const auto context = torch::matmul(scores.softmax(-1), v).transpose(1, 2).reshape({B, L, H});
    const auto attended = attention_norm(attention_dense(context) + hidden);
    const auto ffn = output_dense(torch::gelu(intermediate_dense(attended)));  // exact (erf) GELU
    return output_norm(ffn + attended);
}

RobertaModelImpl::RobertaModelImpl(const RobertaConfig& c) : config(c) {
    embeddings = register_module("embeddings", RobertaEmbeddings(c));
    auto encoder = register_module("encoder", std::make_shared<Group>());
    layers = encoder->register_module("layer", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(RobertaLayer(c));
    if (c.add_pooling_layer) {
        auto pooler = register_module("pooler", std::make_shared<Group>());
        pooler_dense = pooler->register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
    }
}

RobertaOutputs RobertaModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
    auto hidden = embeddings(input_ids);
    // Padding gets the most negative float added to its scores, as Hugging Face does.
    const auto additive = (1.0 - attention_mask.to(hidden.dtype())).view({input_ids.size(0), 1, 1, input_ids.size(1)}) *
                          std::numeric_limits<float>::lowest();
    for (const auto& layer : *layers) hidden = layer->as<RobertaLayer>()->forward(hidden, additive);
    if (!pooler_dense) return {hidden, {}};
    return {hidden, torch::tanh(pooler_dense(hidden.select(1, 0)))};
}

}  // namespace r2::nn
