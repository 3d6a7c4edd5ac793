// The RoBERTa text encoder with Hugging Face's parameter names (embeddings.word_embeddings.weight,
// encoder.layer.0.attention.self.query.weight, …, pooler.dense.weight), so converted
// roberta-base / distilroberta-base checkpoints load unchanged. Inference only (no dropout).
#pragma once
#include <string>

#include <torch/torch.h>

namespace r2::nn {

struct RobertaConfig {
    int64_t vocab_size = 50265, hidden_size = 768, num_hidden_layers = 12, num_attention_heads = 12,
            intermediate_size = 3072, max_position_embeddings = 514, type_vocab_size = 1, pad_token_id = 1;
    double layer_norm_eps = 1e-5;
    // MTTR drops the pooler (`text_encoder.pooler = None`): its checkpoints hold no pooler keys.
    bool add_pooling_layer = true;

    static RobertaConfig roberta_base();        // ReferFormer, MTTR
    static RobertaConfig distilroberta_base();  // the R2-VOS code's default (6 layers)
    static RobertaConfig tiny(int64_t vocab_size);  // for tests and the tiny models
};

struct RobertaEmbeddingsImpl : torch::nn::Module {
    explicit RobertaEmbeddingsImpl(const RobertaConfig& c);
    torch::Tensor forward(const torch::Tensor& input_ids);
    RobertaConfig config;
    torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
    torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(RobertaEmbeddings);

struct RobertaLayerImpl : torch::nn::Module {
    explicit RobertaLayerImpl(const RobertaConfig& c);
    // hidden (B, L, H); additive mask (B, 1, 1, L): 0 for tokens, a large negative for padding.
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask);
    int64_t heads;
    // attention.self.{query,key,value}, attention.output.{dense,LayerNorm}, intermediate.dense,
    // output.{dense,LayerNorm}: registered under those dotted names through nested modules.
    torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attention_dense{nullptr}, intermediate_dense{nullptr},
        output_dense{nullptr};
    torch::nn::LayerNorm attention_norm{nullptr}, output_norm{nullptr};
};
TORCH_MODULE(RobertaLayer);

struct RobertaOutputs {
    torch::Tensor last_hidden_state;  // (B, L, H): the word features
    torch::Tensor pooler_output;      // (B, H): tanh(dense(first token)), the sentence feature; undefined without a pooler
};

struct RobertaModelImpl : torch::nn::Module {
    explicit RobertaModelImpl(const RobertaConfig& c = RobertaConfig::roberta_base());
    // input_ids, attention_mask (B, L) int64 (mask 1 for tokens, 0 for padding).
    RobertaOutputs forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
    RobertaConfig config;
    RobertaEmbeddings embeddings{nullptr};
    torch::nn::ModuleList layers{nullptr};  // registered as encoder.layer
    torch::nn::Linear pooler_dense{nullptr};  // null without a pooler
};
TORCH_MODULE(RobertaModel);

}  // namespace r2::nn
