// The official parameter initialisation, for training a model from scratch (the tiny models).
// Inference never needs it (weights are loaded), but training does: Deformable DETR starts its
// sampling offsets on a ring of directions and its attention uniform, DETR-style heads start with
// the focal-loss prior, and transformers start from Xavier weights.
#pragma once
#include "model_zoo/mttr.h"
#include "model_zoo/referformer.h"

namespace r2::nn {

// Deformable DETR's MSDeformAttn._reset_parameters for one module: sampling_offsets weight 0 and
// bias = point p (1-based) of head h at p · (cos θ_h, sin θ_h) / max(|cos|, |sin|), θ_h = 2πh/heads;
// attention weights 0; value and output projections Xavier with zero bias.
void reset_msdeform_attn(MSDeformAttnImpl& attention);

// ReferFormer / R2-VOS (models/referformer.py, deformable_transformer.py): Xavier for every matrix
// of the transformer, MSDeformAttn as above, level_embed ~ N(0, 1); class bias −log(99) (prior
// 0.01); box heads' last layer 0 with bias (0, 0, −2, −2); input projections and the controller
// Xavier with zero bias; the text encoder as Hugging Face initialises RoBERTa (N(0, 0.02)).
void initialize_for_training(ReferFormerImpl& model, uint64_t seed);
// MTTR (models/multimodal_transformer.py): Xavier for every matrix of the transformer, the text
// encoder as RoBERTa.
void initialize_for_training(MTTRImpl& model, uint64_t seed);

}  // namespace r2::nn
