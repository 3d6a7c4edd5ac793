#include "model_zoo/training_init.h"

#include <cmath>

namespace r2::nn {

namespace init = torch::nn::init;

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

void initialize_roberta(torch::nn::Module& text_encoder) {
    // BertPreTrainedModel._init_weights: Linear and Embedding weights N(0, 0.02), biases 0,
    // LayerNorm weight 1 bias 0.
    for (auto& item : text_encoder.named_parameters()) {
        const std::string& name = item.key();
        auto& p = item.value();
        const bool norm = name.find("LayerNorm") != std::string::npos;
        if (norm) init::constant_(p, name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0 ? 1.0 : 0.0);
        else if (p.dim() >= 2) init::normal_(p, 0.0, 0.02);
        else init::zeros_(p);
    }
}

void xavier_with_zero_bias(torch::nn::Module& module) {
    for (auto& item : module.named_parameters()) {
        const std::string& name = item.key();
        auto& p = item.value();
        if (p.dim() >= 2) init::xavier_uniform_(p);
        else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) init::zeros_(p);
    }
}

}  // namespace

void reset_msdeform_attn(MSDeformAttnImpl& a) {
    torch::NoGradGuard no_grad;
    init::zeros_(a.sampling_offsets->weight);
    const auto thetas = torch::arange(a.n_heads, torch::kFloat32) * (2.0 * M_PI / double(a.n_heads));
    auto grid = torch::stack({thetas.cos(), thetas.sin()}, -1);                    // (heads, 2)
    grid = grid / std::get<0>(grid.abs().max(-1, true));
    grid = grid.view({a.n_heads, 1, 1, 2}).repeat({1, a.n_levels, a.n_points, 1});  // (heads, levels, points, 2)
    for (int64_t p = 0; p < a.n_points; ++p) grid.select(2, p).mul_(double(p + 1));
    a.sampling_offsets->bias.copy_(grid.reshape({-1}));
    init::zeros_(a.attention_weights->weight);
    init::zeros_(a.attention_weights->bias);
    init::xavier_uniform_(a.value_proj->weight);
    init::zeros_(a.value_proj->bias);
    init::xavier_uniform_(a.output_proj->weight);
    init::zeros_(a.output_proj->bias);
}

void initialize_for_training(ReferFormerImpl& model, uint64_t seed) {
    // The rest of the parameters keep the defaults drawn at construction: seed the generator
    // before building the model for a run that depends on the seed alone.
    torch::NoGradGuard no_grad;
    torch::manual_seed(seed);
    for (auto& item : model.named_parameters())
        if (starts_with(item.key(), "transformer.") && item.value().dim() >= 2) init::xavier_uniform_(item.value());
    for (auto& module : model.modules(false))
        if (auto* attention = module->as<MSDeformAttn>()) reset_msdeform_attn(*attention);
    init::normal_(model.level_embed);
    init::xavier_uniform_(model.reference_points->weight, 1.0);
    init::zeros_(model.reference_points->bias);
    const double prior_bias = -std::log((1 - 0.01) / 0.01);
    for (auto& head : model.class_embed) init::constant_(head->bias, prior_bias);
    for (auto& head : model.bbox_embed) {
        auto& last = head->linears.back();
        init::zeros_(last->weight);
        init::zeros_(last->bias);
        last->bias.narrow(0, 2, 2).fill_(-2.0);  // small initial boxes (with_box_refine)
    }
    for (auto& proj : model.input_proj) {
        auto conv = proj->ptr(0)->as<torch::nn::Conv2d>();
        init::xavier_uniform_(conv->weight, 1.0);
        init::zeros_(conv->bias);
    }
    xavier_with_zero_bias(*model.controller);
    initialize_roberta(*model.text_encoder);
}

void initialize_for_training(MTTRImpl& model, uint64_t seed) {
    torch::NoGradGuard no_grad;
    torch::manual_seed(seed);
    for (auto& item : model.named_parameters())
        if (starts_with(item.key(), "transformer.") && !starts_with(item.key(), "transformer.text_encoder.") && item.value().dim() >= 2)
            init::xavier_uniform_(item.value());
    initialize_roberta(*model.text_encoder);
}

}  // namespace r2::nn
