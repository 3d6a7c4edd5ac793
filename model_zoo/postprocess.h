// From model outputs to binary masks, exactly as the official inference scripts do it; the one
// function that the runner and the parity tests share.
//   ReferFormer / R2-VOS (inference_ytvos.py): score of a query = mean over frames of the sigmoid
//   class score (max over classes); the best query is the argmax, the same query on every frame;
//   its mask logits are resized bilinearly (align_corners false) to the original frame size and
//   thresholded (sigmoid > 0.5). R2-VOS (--use_cls) zeroes the whole clip when the pair
//   classifier's negative probability sigmoid(pair_logit) is ≥ 0.5.
//   MTTR (models/postprocessing.py, ReferYoutubeVOSPostProcess): score of a query = mean over
//   frames of softmax(is_referred)[0]; the argmax query on every frame; its mask logits resized
//   bilinearly to the model INPUT size, thresholded, then the binary mask resized to the original
//   size by NEAREST neighbour (unlike ReferFormer, which resizes logits). MTTR never rejects.
#pragma once
#include <torch/torch.h>

#include "model_zoo/mttr.h"
#include "model_zoo/referformer.h"

namespace r2::nn {

struct ClipPrediction {
    int64_t best_query = 0;
    torch::Tensor frame_scores;  // (T): the best query's class probability in each frame
    torch::Tensor masks;         // (T, H, W) uint8 0/1 at the original size, before any rejection
    // Alignment A in [0, 1]: for R2-VOS 1 − p_neg (high = the sentence fits the video); for models
    // without a pair head, the best query's mean class probability.
    double alignment = 1.0;
    bool rejected = false;  // R2-VOS said the pair is negative: the clip's masks are all empty
    torch::Tensor output_masks() const { return rejected ? torch::zeros_like(masks) : masks; }
};

ClipPrediction postprocess_referformer(const ReferFormerOutputs& out, int64_t original_height, int64_t original_width,
                                       double threshold = 0.5);

// input_height/width: the resized frames the model saw (a single clip has no padding to crop).
ClipPrediction postprocess_mttr(const MTTROutputs& out, int64_t input_height, int64_t input_width, int64_t original_height,
                                int64_t original_width, double threshold = 0.5);

}  // namespace r2::nn
