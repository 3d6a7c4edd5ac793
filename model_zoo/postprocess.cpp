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

}  // namespace r2::nn
