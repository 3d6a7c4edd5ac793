// The loss functions the three papers train with, shared by the criteria (model_zoo/criterion.h).
// Each is the official function's formula with the official normaliser, so a loss value read in
// an official training log means the same here.
#pragma once
#include <torch/torch.h>

namespace r2::nn {

// DETR's sigmoid focal loss over rows of logits (R, E) and 0/1 targets of the same shape
// (alpha = 0.25, gamma = 2): the per-element focal term, mean over E, summed over rows, divided
// by `normaliser` (the number of boxes or masks in the batch).
torch::Tensor sigmoid_focal_loss(const torch::Tensor& logits, const torch::Tensor& targets, double normaliser,
                                 double alpha = 0.25, double gamma = 2.0);
// The per-element focal term itself (same shape as logits), for the matchers' costs.
torch::Tensor sigmoid_focal_terms(const torch::Tensor& logits, const torch::Tensor& targets, double alpha = 0.25,
                                  double gamma = 2.0);

// Dice loss over rows (R, E): 1 − (2 Σ p·t + 1) / (Σ p + Σ t + 1) with p = sigmoid(logits), summed
// over rows and divided by `normaliser`.
torch::Tensor dice_loss(const torch::Tensor& logits, const torch::Tensor& targets, double normaliser);
// The matchers' dice coefficient between every prediction row (N, E) and target row (M, E): (N, M).
torch::Tensor dice_coefficient(const torch::Tensor& logits, const torch::Tensor& targets);

// Boxes: (cx, cy, w, h) → (x1, y1, x2, y2), and the generalized IoU of every pair (N, 4) × (M, 4)
// of xyxy boxes → (N, M), with ReferFormer's +1e-6 in both ratios, so degenerate (zero-area) boxes
// stay finite: the empty target of an invisible frame is the box (0, 0, 0, 0).
torch::Tensor box_cxcywh_to_xyxy(const torch::Tensor& boxes);
torch::Tensor generalized_box_iou(const torch::Tensor& boxes1, const torch::Tensor& boxes2);

// Relational knowledge distillation (Park et al. 2019), R2-VOS's cycle-consistency losses between
// the student (pseudo sentence features rebuilt from the video, (N, C)) and the teacher (the text
// encoder's sentence features, (N, C), not differentiated):
//   distance: pairwise Euclidean distances, each matrix divided by the mean of its positive
//             entries, compared with the Huber loss (δ = 1, mean);
//   angle:    the cosines of every triangle's angle (N·N·N), compared with the Huber loss.
// With N < 3 there are no angles to compare and with N < 2 no distances: both losses are 0 then.
torch::Tensor rkd_distance_loss(const torch::Tensor& student, const torch::Tensor& teacher);
torch::Tensor rkd_angle_loss(const torch::Tensor& student, const torch::Tensor& teacher);

// torch.nn.functional.pairwise_distance(a, b) row by row: ‖a − b + 1e-6‖₂, (N).
torch::Tensor pairwise_distance(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace r2::nn
