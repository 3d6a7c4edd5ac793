// The training criteria of the three families, as their official code computes them
// (lxa9867/R2VOS models/criterion.py + matcher.py, which ReferFormer shares; mttr2021/MTTR
// models/criterion.py + matcher.py). Loss names are the official keys; aux layers get the
// suffixes _0, _1, … and the same weights.
//
// A batch is a list of samples, each predicted by its own forward (the official recipes train
// one clip per GPU); normalisers (boxes, masks, frames) are counted over the whole batch, as the
// official all-reduce does over GPUs, and R2-VOS's relational losses compare the batch's samples.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/mttr.h"
#include "model_zoo/referformer.h"

namespace r2::nn {

struct Losses {
    std::map<std::string, torch::Tensor> terms;  // unweighted, official names
    torch::Tensor total;                          // Σ weight · term
    // matched[layer][sample]: the query matched to the referred object (aux layers first).
    std::vector<std::vector<int64_t>> matched;
};

// ---- ReferFormer / R2-VOS ----------------------------------------------------------------

struct ReferFormerTarget {
    torch::Tensor masks;  // (T, H, W) float 0/1 at the model input size (H, W multiples of 32)
    torch::Tensor boxes;  // (T, 4) cx, cy, w, h normalised; zeros where the object is not visible
    torch::Tensor valid;  // (T) float, 1 where the object is visible
};

// R2VOS opts.py defaults (set_cost_* = *_loss_coef; contra_margin 0.5; cycle mse weight 0).
struct ReferFormerLossWeights {
    double ce = 2, bbox = 5, giou = 2, mask = 2, dice = 5;
    double cycle_dist = 1, cycle_angle = 1, cycle_cls = 1, cycle_contrastive = 0.1, cycle_mse = 0;
    double contrastive_margin = 0.5, focal_alpha = 0.25;
};

struct ReferFormerSample {
    const ReferFormerOutputs* positive = nullptr;  // the clip with its own sentence, masks of every layer
    // R2-VOS: the same clip with another sample's sentence (only its sentence, pseudo sentence and
    // pair logit are used, as the official negative branch stops before the query decoder).
    const ReferFormerOutputs* negative = nullptr;
    const ReferFormerTarget* target = nullptr;
};

// ReferFormer's "instance sequence matching": one query for the whole clip, the one of least
// cost 2·focal class (valid frames) + 5·L1 + 2·(−GIoU) (all frames) + 2·mask focal + 5·(−dice).
// Ground truth is sampled at the prediction's stride 4 from pixel 2 ([2::4, 2::4]).
// logits (T, Q, K), boxes (T, Q, 4), masks (T, Q, h, w).
int64_t match_referformer(const torch::Tensor& logits, const torch::Tensor& boxes, const torch::Tensor& masks,
                          const ReferFormerTarget& target, const ReferFormerLossWeights& weights);

// labels (focal over every frame × query, positive only at valid frames of the matched query),
// boxes (L1, GIoU), masks (focal, dice) on every decoder layer; with negatives also R2-VOS's
// cycle losses (RKD distance and angle over the batch, contrastive hinge, pair BCE: label 0 for
// the positive pairs, 1 for the negative ones).
Losses referformer_criterion(const std::vector<ReferFormerSample>& batch, const ReferFormerLossWeights& weights);

// GT masks at the prediction's stride-4 grid: masks[:, 2::4, 2::4].
torch::Tensor stride4_targets(const torch::Tensor& masks);

// ---- MTTR -------------------------------------------------------------------------------------

struct MTTRTarget {
    torch::Tensor masks;    // (T, O, H, W) float 0/1: every object seen in the window, at the input size
    int64_t referred = 0;   // which of the O is the referred one
};

// configs/refer_youtube_vos.yaml.
struct MTTRLossWeights {
    double is_referred = 2, sigmoid_focal = 2, dice = 5, eos = 0.1;
    double cost_is_referred = 2, cost_dice = 5;
};

struct MTTRSample {
    const MTTROutputs* outputs = nullptr;  // masks of every layer
    const MTTRTarget* target = nullptr;
};

// MTTR's Hungarian matching of queries to object trajectories: cost 2·(−P(correct is-referred
// class), mean over frames) + 5·(−dice, mean over frames) with predictions upsampled bilinearly
// to the target size. Returns (query, object) pairs sorted by query.
std::vector<std::pair<int64_t, int64_t>> match_mttr(const torch::Tensor& is_referred, const torch::Tensor& masks,
                                                    const MTTRTarget& target, const MTTRLossWeights& weights);

// is-referred (soft cross-entropy, weight eos for unmatched queries, per frame), sigmoid focal and
// dice of every matched object, on every decoder layer.
Losses mttr_criterion(const std::vector<MTTRSample>& batch, const MTTRLossWeights& weights);

}  // namespace r2::nn
