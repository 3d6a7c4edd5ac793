// Sine position embeddings: Deformable DETR's (ReferFormer / R2-VOS, models/position_encoding.py)
// and DETR's as MTTR uses it (models/position_encoding_2d.py). They differ in two details that
// change every value, so both are kept, each named for what it does.
#pragma once
#include <torch/torch.h>

namespace r2::nn {

// 2-D: mask (B, H, W) true where padded → (B, 2·num_pos_feats, H, W) = cat(pos_y, pos_x), each
// [sin f0, cos f0, sin f1, …] with f_i = embed / 10000^(2⌊i/2⌋/num_pos_feats). With normalize, the
// cumulative counts become (embed − 0.5) / (last + 1e-6) · 2π (the Deformable DETR offset).
torch::Tensor position_embedding_sine_2d(const torch::Tensor& mask, int64_t num_pos_feats = 128, double temperature = 10000,
                                         bool normalize = true, double scale = 2 * M_PI);

// 1-D, for text: mask (B, L) → (B, num_pos_feats, L); normalised without the −0.5 offset.
torch::Tensor position_embedding_sine_1d(const torch::Tensor& mask, int64_t num_pos_feats = 256, double temperature = 10000,
                                         bool normalize = true, double scale = 2 * M_PI);

// DETR's 2-D variant as MTTR uses it: mask (B, H, W) → CHANNELS LAST (B, H, W, 2·num_pos_feats),
// cat(pos_y, pos_x), normalised as embed / (last + 1e-6) · 2π, WITHOUT the −0.5 offset.
torch::Tensor position_embedding_sine_2d_channels_last(const torch::Tensor& mask, int64_t num_pos_feats = 128,
                                                       double temperature = 10000, double scale = 2 * M_PI);

}  // namespace r2::nn
