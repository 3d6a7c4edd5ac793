#include "model_zoo/postprocess.h"

namespace r2::nn {

ClipPrediction postprocess_referformer(const ReferFormerOutputs& out, int64_t original_height, int64_t original_width, double threshold) {
    namespace F = torch::nn::functional;
    ClipPrediction p;
    const auto logits = out.pred_logits[-1];           // (T, Q, K)
    const auto scores = logits.sigmoid();
    const auto query_scores = std::get<0>(scores.mean(0).max(-1));  // (Q)
    p.best_query = query_scores.argmax().item<int64_t>();
    p.frame_scores = std::get<0>(scores.select(1, p.best_query).max(-1));  // (T)
    const auto logits_mask = out.pred_masks.back().select(1, p.best_query).unsqueeze(0);  // (1, T, h, w)
    const auto resized = F::interpolate(logits_mask, F::InterpolateFuncOptions()
                                                         .size(std::vector<int64_t>{original_height, original_width})
                                                         .mode(torch::kBilinear)
                                                         .align_corners(false));
    p.masks = (resized.sigmoid() > threshold).squeeze(0).to(torch::kUInt8);
    if (out.pair_logit.defined()) {
        const double p_negative = out.pair_logit.sigmoid().item<float>();  // float32, as the official comparison
        p.rejected = p_negative >= 0.5;
        p.alignment = 1.0 - p_negative;
    } else {
        p.alignment = query_scores[p.best_query].item<double>();
    }
    return p;
}

ClipPrediction postprocess_mttr(const MTTROutputs& out, int64_t input_height, int64_t input_width, int64_t original_height,
                                int64_t original_width, double threshold) {
    namespace F = torch::nn::functional;
    ClipPrediction p;
    const auto referred = out.pred_is_referred[-1].softmax(-1).select(-1, 0);  // (T, Q): index 0 = "referred"
    const auto trajectory_scores = referred.mean(0);                           // (Q)
    p.best_query = trajectory_scores.argmax().item<int64_t>();
    p.frame_scores = referred.select(1, p.best_query);
    // MTTR has no pair head: its alignment is the chosen query's mean referred probability.
    p.alignment = trajectory_scores[p.best_query].item<double>();
    const auto logits = out.pred_masks.back().select(1, p.best_query).unsqueeze(0);  // (1, T, h, w)
    const auto at_input = F::interpolate(logits, F::InterpolateFuncOptions()
                                                     .size(std::vector<int64_t>{input_height, input_width})
                                                     .mode(torch::kBilinear)
                                                     .align_corners(false));
    const auto binary = (at_input.sigmoid() > threshold).to(torch::kFloat32).transpose(0, 1);  // (T, 1, H, W)
    const auto original = F::interpolate(binary, F::InterpolateFuncOptions()
                                                     .size(std::vector<int64_t>{original_height, original_width})
                                                     .mode(torch::kNearest));
    p.masks = original.squeeze(1).to(torch::kUInt8);
    return p;
}

}  // namespace r2::nn
