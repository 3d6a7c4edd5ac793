#include "model_zoo/criterion.h"

#include <fmt/format.h>

#include "core/error.h"
#include "model_zoo/linear_assignment.h"
#include "model_zoo/losses.h"

namespace r2::nn {

namespace F = torch::nn::functional;

namespace {

std::string layer_key(const std::string& name, int64_t layer, int64_t layers) {
    return layer == layers - 1 ? name : fmt::format("{}_{}", name, layer);
}

// Sums over the batch's samples, starting from the first one.
void accumulate(torch::Tensor& sum, const torch::Tensor& value) { sum = sum.defined() ? sum + value : value; }

void add_term(Losses& losses, const std::string& key, const torch::Tensor& value, double weight) {
    losses.terms[key] = value;
    if (weight == 0) return;
    losses.total = losses.total.defined() ? losses.total + weight * value : weight * value;
}

}  // namespace

torch::Tensor stride4_targets(const torch::Tensor& masks) {
    // The predictions sit at stride 4 of an input padded to a multiple of 32; the official code
    // samples the ground truth at pixels 2, 6, 10, … rather than pooling it.
    using torch::indexing::Slice;
    return masks.index({"...", Slice(2, torch::indexing::None, 4), Slice(2, torch::indexing::None, 4)});
}

// ---- ReferFormer / R2-VOS ----------------------------------------------------------------

int64_t match_referformer(const torch::Tensor& logits, const torch::Tensor& boxes, const torch::Tensor& masks,
                          const ReferFormerTarget& target, const ReferFormerLossWeights& w) {
    torch::NoGradGuard no_grad;
    const int64_t T = logits.size(0), Q = logits.size(1);
    // Class: the focal cost of calling each query positive, averaged over the frames where the
    // object is visible (binary: class 0 is "referred").
    const auto prob = logits.select(2, 0).sigmoid();  // (T, Q)
    const double alpha = w.focal_alpha, gamma = 2.0;
    const auto negative = (1 - alpha) * prob.pow(gamma) * -(1 - prob + 1e-8).log();
    const auto positive = alpha * (1 - prob).pow(gamma) * -(prob + 1e-8).log();
    const auto valid = target.valid.to(torch::kBool);
    const auto cost_class = (positive - negative).index({valid}).mean(0);  // (Q)
    // Boxes over all frames (an invisible frame's target is the zero box, as in the official data).
    const auto target_boxes = target.boxes.unsqueeze(1);                   // (T, 1, 4)
    const auto cost_bbox = (boxes - target_boxes).abs().sum(2).mean(0);    // (Q)
    std::vector<torch::Tensor> giou;
    for (int64_t t = 0; t < T; ++t)
        giou.push_back(generalized_box_iou(box_cxcywh_to_xyxy(boxes[t]), box_cxcywh_to_xyxy(target.boxes[t].unsqueeze(0))).squeeze(1));
    const auto cost_giou = -torch::stack(giou).mean(0);
    // Masks: the whole clip at once, (Q, T·h·w) against (1, T·h·w).
    const auto predicted = masks.transpose(0, 1).reshape({Q, -1});
    const auto truth = stride4_targets(target.masks).reshape({1, -1}).to(predicted.dtype());
    const auto cost_mask = sigmoid_focal_terms(predicted, truth.expand_as(predicted), alpha, gamma).mean(1);
    const auto cost_dice = -dice_coefficient(predicted, truth).squeeze(1);
    const auto cost = w.ce * cost_class + w.bbox * cost_bbox + w.giou * cost_giou + w.mask * cost_mask + w.dice * cost_dice;
    return cost.argmin().item<int64_t>();
}

Losses referformer_criterion(const std::vector<ReferFormerSample>& batch, const ReferFormerLossWeights& w) {
    if (batch.empty()) throw Error("referformer_criterion: empty batch");
    Losses losses;
    double num_boxes = 0;
    for (const auto& sample : batch) num_boxes += sample.target->valid.sum().item<double>();
    num_boxes = std::max(num_boxes, 1.0);

    const int64_t layers = batch[0].positive->pred_logits.size(0);
    losses.matched.assign(layers, std::vector<int64_t>(batch.size()));
    for (int64_t l = 0; l < layers; ++l) {
        torch::Tensor ce, bbox, giou, mask, dice;
        for (size_t b = 0; b < batch.size(); ++b) {
            const auto& out = *batch[b].positive;
            const auto& target = *batch[b].target;
            if (int64_t(out.pred_masks.size()) != layers)
                throw Error("referformer_criterion: the forward must keep the masks of every decoder layer");
            const auto logits = out.pred_logits[l], boxes = out.pred_boxes[l], masks = out.pred_masks[size_t(l)];
            const int64_t q = match_referformer(logits, boxes, masks, target, w);
            losses.matched[size_t(l)][b] = q;
            const int64_t T = logits.size(0);
            // Labels: the matched query is positive in the frames where the object is visible.
            auto labels = torch::zeros_like(logits);
            labels.select(1, q).select(1, 0).copy_(target.valid);
            accumulate(ce, sigmoid_focal_terms(logits, labels, w.focal_alpha).sum());
            const auto matched_boxes = boxes.select(1, q);  // (T, 4)
            accumulate(bbox, (matched_boxes - target.boxes).abs().sum());
            const auto g = generalized_box_iou(box_cxcywh_to_xyxy(matched_boxes), box_cxcywh_to_xyxy(target.boxes));
            accumulate(giou, (1 - g.diagonal()).sum());
            const auto predicted = masks.select(1, q).reshape({1, -1});  // (1, T·h·w)
            const auto truth = stride4_targets(target.masks).reshape({1, -1}).to(predicted.dtype());
            if (truth.size(1) != predicted.size(1))
                throw Error(fmt::format("referformer_criterion: {} frames of {} stride-4 pixels predicted, the target has {}", T,
                                        predicted.size(1) / T, truth.size(1) / T));
            accumulate(mask, sigmoid_focal_terms(predicted, truth, w.focal_alpha).mean());
            accumulate(dice, dice_loss(predicted, truth, 1.0));
        }
        add_term(losses, layer_key("loss_ce", l, layers), ce / num_boxes, w.ce);
        add_term(losses, layer_key("loss_bbox", l, layers), bbox / num_boxes, w.bbox);
        add_term(losses, layer_key("loss_giou", l, layers), giou / num_boxes, w.giou);
        add_term(losses, layer_key("loss_mask", l, layers), mask / num_boxes, w.mask);
        add_term(losses, layer_key("loss_dice", l, layers), dice / num_boxes, w.dice);
    }

    if (batch[0].negative) {
        // R2-VOS's cycle: the pseudo sentence rebuilt from the video must relate to the other
        // samples' pseudo sentences as their real sentences relate (RKD), and must not match a
        // sentence of another video (hinge); the pair classifier tells the two cases apart.
        std::vector<torch::Tensor> pseudo, sentence, negative_pseudo, negative_sentence, pair_logits, pair_labels;
        for (const auto& sample : batch) {
            if (!sample.negative) throw Error("referformer_criterion: every sample needs a negative, or none");
            pseudo.push_back(sample.positive->pseudo_sentence_feature);
            sentence.push_back(sample.positive->text_sentence_feature);
            negative_pseudo.push_back(sample.negative->pseudo_sentence_feature);
            negative_sentence.push_back(sample.negative->text_sentence_feature);
        }
        for (const auto& sample : batch) pair_logits.push_back(sample.positive->pair_logit);
        for (const auto& sample : batch) pair_logits.push_back(sample.negative->pair_logit);
        const auto student = torch::cat(pseudo), teacher = torch::cat(sentence);
        const auto logits = torch::cat(pair_logits).reshape({-1, 1});
        auto labels = torch::zeros_like(logits);
        labels.narrow(0, int64_t(batch.size()), int64_t(batch.size())).fill_(1);  // 0: the pair fits, 1: it does not
        add_term(losses, "loss_cycle_dist", rkd_distance_loss(student, teacher), w.cycle_dist);
        add_term(losses, "loss_cycle_angle", rkd_angle_loss(student, teacher), w.cycle_angle);
        add_term(losses, "loss_cycle_mse", nn::pairwise_distance(student, teacher).mean(), w.cycle_mse);
        add_term(losses, "loss_cycle_contrastive",
                 (w.contrastive_margin - nn::pairwise_distance(torch::cat(negative_pseudo), torch::cat(negative_sentence)).mean()).clamp_min(0),
                 w.cycle_contrastive);
        add_term(losses, "loss_cycle_cls", F::binary_cross_entropy_with_logits(logits, labels), w.cycle_cls);
    }
    return losses;
}

// ---- MTTR -------------------------------------------------------------------------------------

namespace {

// Per frame and object: the is-referred target [1, 0] for the referred object where it is
// visible, [0, 1] otherwise. (T, O, 2)
torch::Tensor is_referred_targets(const MTTRTarget& target) {
    const int64_t T = target.masks.size(0), O = target.masks.size(1);
    auto targets = torch::zeros({T, O, 2});
    targets.select(2, 1).fill_(1);
    const auto visible = target.masks.select(1, target.referred).reshape({T, -1}).amax(1) > 0;
    for (int64_t t = 0; t < T; ++t)
        if (visible[t].item<bool>()) targets[t][target.referred] = torch::tensor({1.0f, 0.0f});
    return targets;
}

torch::Tensor upsample_to(const torch::Tensor& masks, int64_t height, int64_t width) {
    // (T, N, h, w) → (T, N, H, W), bilinear without corner alignment as the official `interpolate`.
    return F::interpolate(masks, F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width}).mode(torch::kBilinear).align_corners(false));
}

}  // namespace

std::vector<std::pair<int64_t, int64_t>> match_mttr(const torch::Tensor& is_referred, const torch::Tensor& masks,
                                                    const MTTRTarget& target, const MTTRLossWeights& w) {
    torch::NoGradGuard no_grad;
    const int64_t T = masks.size(0), Q = masks.size(1), O = target.masks.size(1);
    const int64_t H = target.masks.size(2), W = target.masks.size(3);
    const auto prob = is_referred.softmax(-1);                          // (T, Q, 2)
    const auto targets = is_referred_targets(target).to(prob.device());  // (T, O, 2)
    const auto cost_is_referred = -torch::matmul(prob, targets.transpose(1, 2)).mean(0);  // (Q, O)
    const auto predicted = upsample_to(masks, H, W).sigmoid().reshape({T, Q, -1});
    const auto truth = target.masks.reshape({T, O, -1}).to(predicted.dtype());
    const auto numerator = 2 * torch::matmul(predicted, truth.transpose(1, 2));                      // (T, Q, O)
    const auto denominator = predicted.sum(2).unsqueeze(2) + truth.sum(2).unsqueeze(1);
    const auto cost_dice = -((numerator + 1) / (denominator + 1)).mean(0);
    const auto cost = (w.cost_is_referred * cost_is_referred + w.cost_dice * cost_dice).to(torch::kDouble).contiguous().cpu();
    const auto assignment = linear_sum_assignment(std::vector<double>(cost.data_ptr<double>(), cost.data_ptr<double>() + Q * O), Q, O);
    std::vector<std::pair<int64_t, int64_t>> pairs;
    for (size_t i = 0; i < assignment.rows.size(); ++i) pairs.emplace_back(assignment.rows[i], assignment.cols[i]);
    return pairs;
}

Losses mttr_criterion(const std::vector<MTTRSample>& batch, const MTTRLossWeights& w) {
    if (batch.empty()) throw Error("mttr_criterion: empty batch");
    Losses losses;
    // The official criterion flattens time and batch: the is-referred loss is divided by the
    // number of frames, the mask losses by the number of (frame, object) masks.
    double frames = 0, num_masks = 0;
    for (const auto& sample : batch) {
        frames += double(sample.target->masks.size(0));
        num_masks += double(sample.target->masks.size(0) * sample.target->masks.size(1));
    }
    num_masks = std::max(num_masks, 1.0);
    const int64_t layers = batch[0].outputs->pred_is_referred.size(0);
    losses.matched.assign(layers, std::vector<int64_t>(batch.size()));
    for (int64_t l = 0; l < layers; ++l) {
        torch::Tensor is_referred_sum, focal_sum, dice_sum;
        for (size_t b = 0; b < batch.size(); ++b) {
            const auto& out = *batch[b].outputs;
            const auto& target = *batch[b].target;
            if (int64_t(out.pred_masks.size()) != layers) throw Error("mttr_criterion: the forward must keep the masks of every decoder layer");
            const auto logits = out.pred_is_referred[l];  // (T, Q, 2)
            const auto masks = out.pred_masks[size_t(l)];  // (T, Q, h, w)
            const int64_t T = logits.size(0), Q = logits.size(1);
            const auto pairs = match_mttr(logits, masks, target, w);
            int64_t referred_query = -1;
            for (const auto& [query, object] : pairs)
                if (object == target.referred) referred_query = query;
            if (referred_query < 0)
                throw Error(fmt::format("mttr_criterion: {} queries for {} objects: the referred object got no query", Q, target.masks.size(1)));
            losses.matched[size_t(l)][b] = referred_query;
            // Is-referred: every query should say "not referred" (weight eos) except the query
            // matched to the referred object (weight 1), which should say "referred" where the
            // object is visible.
            auto target_is_referred = torch::zeros({T, Q, 2}, logits.options());
            target_is_referred.select(2, 1).fill_(1);
            auto weights = torch::full({T, Q}, w.eos, logits.options());
            weights.select(1, referred_query).fill_(1);
            const auto per_object = is_referred_targets(target).to(logits.options());
            target_is_referred.select(1, referred_query).copy_(per_object.select(1, target.referred));
            accumulate(is_referred_sum, (-(logits.log_softmax(-1) * target_is_referred).sum(-1) * weights).sum());
            // Masks of every matched object in every frame, predictions upsampled to the target.
            std::vector<int64_t> queries, objects;
            for (const auto& [query, object] : pairs) queries.push_back(query), objects.push_back(object);
            const auto query_index = torch::tensor(queries, torch::kLong).to(masks.device());
            const auto object_index = torch::tensor(objects, torch::kLong).to(masks.device());
            const int64_t H = target.masks.size(2), W = target.masks.size(3);
            const auto predicted = upsample_to(masks.index_select(1, query_index), H, W).reshape({-1, H * W});
            const auto truth = target.masks.index_select(1, object_index).reshape({-1, H * W}).to(predicted.dtype());
            accumulate(focal_sum, sigmoid_focal_terms(predicted, truth).mean(1).sum());
            accumulate(dice_sum, dice_loss(predicted, truth, 1.0));
        }
        add_term(losses, layer_key("loss_is_referred", l, layers), is_referred_sum / frames, w.is_referred);
        add_term(losses, layer_key("loss_sigmoid_focal", l, layers), focal_sum / num_masks, w.sigmoid_focal);
        add_term(losses, layer_key("loss_dice", l, layers), dice_sum / num_masks, w.dice);
    }
    return losses;
}

}  // namespace r2::nn
