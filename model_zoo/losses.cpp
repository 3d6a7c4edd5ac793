#include "model_zoo/losses.h"

namespace r2::nn {

namespace F = torch::nn::functional;

torch::Tensor sigmoid_focal_terms(const torch::Tensor& logits, const torch::Tensor& targets, double alpha, double gamma) {
    const auto prob = logits.sigmoid();
    const auto ce = F::binary_cross_entropy_with_logits(logits, targets, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone));
    const auto p_t = prob * targets + (1 - prob) * (1 - targets);
    auto loss = ce * (1 - p_t).pow(gamma);
    if (alpha >= 0) loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss;
    return loss;
}

torch::Tensor sigmoid_focal_loss(const torch::Tensor& logits, const torch::Tensor& targets, double normaliser, double alpha,
                                 double gamma) {
    return sigmoid_focal_terms(logits, targets, alpha, gamma).mean(1).sum() / normaliser;
}

torch::Tensor dice_loss(const torch::Tensor& logits, const torch::Tensor& targets, double normaliser) {
    const auto p = logits.sigmoid().flatten(1);
    const auto t = targets.flatten(1);
    const auto coefficient = (2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1);
    return (1 - coefficient).sum() / normaliser;
}

torch::Tensor dice_coefficient(const torch::Tensor& logits, const torch::Tensor& targets) {
    const auto p = logits.sigmoid().flatten(1);  // (N, E)
    const auto t = targets.flatten(1);           // (M, E)
    const auto numerator = 2 * torch::matmul(p, t.t());
    const auto denominator = p.sum(1).unsqueeze(1) + t.sum(1).unsqueeze(0);
    return (numerator + 1) / (denominator + 1);
}

torch::Tensor box_cxcywh_to_xyxy(const torch::Tensor& boxes) {
    const auto c = boxes.unbind(-1);
    return torch::stack({c[0] - 0.5 * c[2], c[1] - 0.5 * c[3], c[0] + 0.5 * c[2], c[1] + 0.5 * c[3]}, -1);
}

torch::Tensor generalized_box_iou(const torch::Tensor& boxes1, const torch::Tensor& boxes2) {
    const auto area = [](const torch::Tensor& b) { return (b.select(1, 2) - b.select(1, 0)) * (b.select(1, 3) - b.select(1, 1)); };
    const auto area1 = area(boxes1), area2 = area(boxes2);
    const auto a = boxes1.unsqueeze(1), b = boxes2.unsqueeze(0);  // (N, 1, 4), (1, M, 4)
    const auto lt = torch::max(a.narrow(2, 0, 2), b.narrow(2, 0, 2));
    const auto rb = torch::min(a.narrow(2, 2, 2), b.narrow(2, 2, 2));
    const auto wh = (rb - lt).clamp_min(0);
    const auto inter = wh.select(2, 0) * wh.select(2, 1);
    const auto uni = area1.unsqueeze(1) + area2.unsqueeze(0) - inter;
    // ReferFormer's box_ops add 1e-6 to both ratios, which keeps degenerate boxes finite.
    const auto iou = (inter + 1e-6) / (uni + 1e-6);
    const auto enclosing_lt = torch::min(a.narrow(2, 0, 2), b.narrow(2, 0, 2));
    const auto enclosing_rb = torch::max(a.narrow(2, 2, 2), b.narrow(2, 2, 2));
    const auto ewh = (enclosing_rb - enclosing_lt).clamp_min(0);
    const auto enclosing = ewh.select(2, 0) * ewh.select(2, 1);
    return iou - (enclosing - uni + 1e-6) / (enclosing + 1e-6);
}

namespace {

// Pairwise Euclidean distances with the diagonal set to exactly 0 (as the official pdist, whose
// clamp at 1e-12 would otherwise leave 1e-6 there).
torch::Tensor pairwise_distances(const torch::Tensor& e) {
    const auto square = e.pow(2).sum(1);
    auto d = (square.unsqueeze(1) + square.unsqueeze(0) - 2 * torch::matmul(e, e.t())).clamp_min(1e-12).sqrt();
    return d * (1 - torch::eye(e.size(0), e.options()));
}

torch::Tensor angles(const torch::Tensor& e) {
    const auto differences = e.unsqueeze(0) - e.unsqueeze(1);  // (N, N, C)
    const auto unit = F::normalize(differences, F::NormalizeFuncOptions().p(2).dim(2));
    return torch::bmm(unit, unit.transpose(1, 2)).reshape({-1});
}

torch::Tensor huber(const torch::Tensor& a, const torch::Tensor& b) { return F::smooth_l1_loss(a, b); }

}  // namespace

torch::Tensor rkd_distance_loss(const torch::Tensor& student, const torch::Tensor& teacher) {
    if (student.size(0) < 2) return student.sum() * 0;
    torch::Tensor teacher_d;
    {
        torch::NoGradGuard no_grad;
        teacher_d = pairwise_distances(teacher);
        teacher_d = teacher_d / teacher_d.masked_select(teacher_d > 0).mean();
    }
    auto d = pairwise_distances(student);
    d = d / d.masked_select(d > 0).mean();
    return huber(d, teacher_d);
}

torch::Tensor rkd_angle_loss(const torch::Tensor& student, const torch::Tensor& teacher) {
    if (student.size(0) < 3) return student.sum() * 0;
    torch::Tensor teacher_angles;
    {
        torch::NoGradGuard no_grad;
        teacher_angles = angles(teacher);
    }
    return huber(angles(student), teacher_angles);
}

torch::Tensor pairwise_distance(const torch::Tensor& a, const torch::Tensor& b) {
    return F::pairwise_distance(a, b, F::PairwiseDistanceFuncOptions().p(2).eps(1e-6));
}

}  // namespace r2::nn
