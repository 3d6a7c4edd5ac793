#include "model_zoo/vision_language.h"

namespace r2::nn {

namespace {
torch::nn::LayerNorm layer_norm(int64_t d) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})); }
torch::Tensor with_pos(const torch::Tensor& x, const torch::Tensor& pos) { return pos.defined() ? x + pos : x; }
}  // namespace

VisionLanguageFusionImpl::VisionLanguageFusionImpl(int64_t d_model, int64_t nhead) {
    multihead_attn = register_module("multihead_attn", MultiheadAttention(d_model, nhead));
}

torch::Tensor VisionLanguageFusionImpl::forward(const torch::Tensor& vision, const torch::Tensor& text, const torch::Tensor& text_mask,
                                                const torch::Tensor& text_pos) {
    return vision * multihead_attn->forward(vision, with_pos(text, text_pos), text, text_mask);
}

VisionLanguageBlockImpl::VisionLanguageBlockImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward, int64_t sr_ratio_)
    : sr_ratio(sr_ratio_) {
    self_attn = register_module("self_attn", MultiheadAttention(d_model, nhead));
    multihead_attn = register_module("multihead_attn", MultiheadAttention(d_model, nhead));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, dim_feedforward));
    linear2 = register_module("linear2", torch::nn::Linear(dim_feedforward, d_model));
    norm1 = register_module("norm1", layer_norm(d_model));
    norm2 = register_module("norm2", layer_norm(d_model));
    norm3 = register_module("norm3", layer_norm(d_model));
}

torch::Tensor VisionLanguageBlockImpl::forward(torch::Tensor vision, const torch::Tensor& text, int64_t T, int64_t H, int64_t W,
                                               const torch::Tensor& vision_mask, const torch::Tensor& text_mask,
                                               const torch::Tensor& text_pos, const torch::Tensor& vision_pos) {
    namespace F = torch::nn::functional;
    const int64_t B = vision.size(1);
    const auto qk = with_pos(vision, vision_pos);
    torch::Tensor attended;
    if (sr_ratio > 1) {
        // The official code shrinks q, k, v with nearest interpolation to int(h / sr) × int(w / sr)
        // (and the key mask with it), then brings the result back bilinearly.
        const int64_t h = int64_t(double(H) * (1.0 / double(sr_ratio))), w = int64_t(double(W) * (1.0 / double(sr_ratio)));
        auto shrink = [&](const torch::Tensor& x) {
            const auto frames = tokens_to_frames(x, T, H, W);
            return frames_to_tokens(F::interpolate(frames, F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kNearest)), B);
        };
        const auto q_small = shrink(qk), v_small = shrink(vision);
        torch::Tensor mask_small;
        if (vision_mask.defined()) {
            const auto m = vision_mask.reshape({1, B * T, H, W}).to(torch::kFloat32);
            mask_small = F::interpolate(m, F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kNearest))
                             .to(torch::kBool)[0]
                             .reshape({B, T * h * w});
        }
        const auto small = self_attn->forward(q_small, q_small, v_small, mask_small);
        const auto up = F::interpolate(tokens_to_frames(small, T, h, w),
                                       F::InterpolateFuncOptions().size(std::vector<int64_t>{H, W}).mode(torch::kBilinear).align_corners(false));
        attended = frames_to_tokens(up, B);
    } else {
        attended = self_attn->forward(qk, qk, vision, vision_mask);
    }
    vision = norm1(vision + attended);
    vision = norm2(vision + multihead_attn->forward(with_pos(vision, vision_pos), with_pos(text, text_pos), text, text_mask));
    // ReLU in place: at stride 4 the FFN's 2048-channel hidden layer is the largest tensor of the
    // whole model; a second copy would raise the peak memory above PyTorch's.
    return norm3(vision + linear2(linear1(vision).relu_()));
}

DualVisionLanguageBlockImpl::DualVisionLanguageBlockImpl(int64_t d_model_, int64_t nhead, int64_t dim_feedforward) : d_model(d_model_) {
    v2v_attn = register_module("v2v_attn", MultiheadAttention(d_model, nhead));
    l2v_attn = register_module("l2v_attn", MultiheadAttention(d_model, nhead));
    v2l_attn = register_module("v2l_attn", MultiheadAttention(d_model, nhead));
    linear1 = register_module("linear1", torch::nn::Linear(d_model, dim_feedforward));
    linear2 = register_module("linear2", torch::nn::Linear(dim_feedforward, d_model));
    proj_l_q = register_module("proj_l_q", torch::nn::Linear(d_model, d_model));
    proj_v_kv = register_module("proj_v_kv", torch::nn::Linear(d_model, 2 * d_model));
    norm1 = register_module("norm1", layer_norm(d_model));
    norm2 = register_module("norm2", layer_norm(d_model));
    norm3 = register_module("norm3", layer_norm(d_model));
    linear_v2l_1 = register_module("linear_v2l_1", torch::nn::Linear(d_model, dim_feedforward));
    linear_v2l_2 = register_module("linear_v2l_2", torch::nn::Linear(dim_feedforward, d_model));
    norm_v2l_1 = register_module("norm_v2l_1", layer_norm(d_model));
    norm_v2l_2 = register_module("norm_v2l_2", layer_norm(d_model));
}

std::tuple<torch::Tensor, torch::Tensor> DualVisionLanguageBlockImpl::forward(torch::Tensor vision, torch::Tensor text,
                                                                             const torch::Tensor& vision_mask,
                                                                             const torch::Tensor& text_mask,
                                                                             const torch::Tensor& text_pos,
                                                                             const torch::Tensor& vision_pos) {
    const auto qk = with_pos(vision, vision_pos);
    vision = norm1(vision + v2v_attn->forward(qk, qk, vision, vision_mask));
    // Both directions read the vision after norm1 and the text before this block.
    const auto text_to_vision = l2v_attn->forward(with_pos(vision, vision_pos), with_pos(text, text_pos), text, text_mask);
    const auto kv = proj_v_kv(vision).split(d_model, -1);
    const auto vision_to_text = v2l_attn->forward(with_pos(proj_l_q(text), text_pos), with_pos(kv[0], vision_pos), kv[1], vision_mask);
    vision = norm2(vision + text_to_vision);
    vision = norm3(vision + linear2(linear1(vision).relu_()));
    text = norm_v2l_1(text + vision_to_text);
    text = norm_v2l_2(text + linear_v2l_2(linear_v2l_1(text).relu_()));
    return {vision, text};
}

}  // namespace r2::nn
