#include "model_zoo/ablations.h"

#include "model_zoo/referformer_family.h"

namespace r2 {

namespace {

// A row changes the configuration or the losses of R2-VOS-tiny's family, or the model's training.
using Change = void (*)(ReferFormerFamily&, RunnableModel&);

AblationRow row(int table, const std::string& config, const std::string& label, const std::string& change, Change apply) {
    AblationRow r;
    r.table = table, r.config = config, r.row = label, r.change = change;
    r.model = *find_runnable_model("r2vos_tiny");
    r.model.name = "r2vos_tiny:" + config;
    r.model.description = table ? "R2-VOS-tiny, ablation of Table " + std::to_string(table) + ": " + label : "R2-VOS-tiny, " + label;
    r.model.weights_help = "an ablation configuration: train it with r2bench train --model r2vos_tiny --config " + config +
                           ", then pass --weights";
    r.model.bundled_weights = false;
    auto family = std::make_shared<ReferFormerFamily>(referformer_family_of(r.model));
    apply(*family, r.model);
    r.model.family = std::move(family);
    return r;
}

// Table 3 takes the R2-VOS parts away from the top: without the query mixer (+FT), without the
// cycle head and pair classifier (+CC), without the dual early-grounding decoder (+EG).
void no_fused_query(ReferFormerFamily& f, RunnableModel&) { f.config.mix_query = false; }
void no_cycle(ReferFormerFamily& f, RunnableModel& m) {
    no_fused_query(f, m);
    f.config.use_cycle = f.config.neg_cls = false;
    f.config.pseudo_sentence = nn::PseudoSentence::cycle_decoder;  // the grounded p needs the pair head
}
void no_early_grounding(ReferFormerFamily& f, RunnableModel& m) {
    no_cycle(f, m);
    f.config.dual_fpn = false;
}

void only_losses(ReferFormerFamily& f, double distance, double angle, double point) {
    f.losses.cycle_dist = distance, f.losses.cycle_angle = angle, f.losses.cycle_mse = point;
}
void unchanged(ReferFormerFamily&, RunnableModel&) {}

}  // namespace

const std::vector<AblationRow>& ablation_rows() {
    static const std::vector<AblationRow> rows = {
        row(3, "t3-baseline", "baseline", "ReferFormer-style: no early grounding, no cycle, no pair classifier", no_early_grounding),
        row(3, "t3-eg", "+EG", "adds the dual cross-modal pixel decoder (early grounding)", no_cycle),
        row(3, "t3-cc", "+CC", "adds the cycle head, its constraint and the pair classifier", no_fused_query),
        row(3, "t3-ft", "+FT", "adds the fused text as query (the query mixer): r2vos_tiny", unchanged),
        row(4, "t4-none", "no constraint", "the cycle's RKD terms off (the pair classifier still trains)",
            [](ReferFormerFamily& f, RunnableModel&) { only_losses(f, 0, 0, 0); }),
        row(4, "t4-point", "point-wise", "p pulled to s point by point (L2), no relational terms", [](ReferFormerFamily& f, RunnableModel&) { only_losses(f, 0, 0, 1); }),
        row(4, "t4-angle", "relational: angle", "RKD angle term only", [](ReferFormerFamily& f, RunnableModel&) { only_losses(f, 0, 1, 0); }),
        row(4, "t4-distance", "relational: distance", "RKD distance term only", [](ReferFormerFamily& f, RunnableModel&) { only_losses(f, 1, 0, 0); }),
        row(4, "t4-both", "relational: both", "RKD distance and angle: r2vos_tiny", [](ReferFormerFamily& f, RunnableModel&) { only_losses(f, 1, 1, 0); }),
        row(5, "t5-q1", "1 query", "1 query per frame", [](ReferFormerFamily& f, RunnableModel&) { f.config.num_queries = 1; }),
        row(5, "t5-q5", "5 queries", "5 queries per frame: r2vos_tiny", unchanged),
        row(5, "t5-q9", "9 queries", "9 queries per frame", [](ReferFormerFamily& f, RunnableModel&) { f.config.num_queries = 9; }),
        row(6, "t6-w1", "window 1", "clips of 1 frame in training", [](ReferFormerFamily&, RunnableModel& m) { m.train_frames = 1; }),
        row(6, "t6-w3", "window 3", "clips of 3 frames: r2vos_tiny", unchanged),
        row(6, "t6-w5", "window 5", "clips of 5 frames in training", [](ReferFormerFamily&, RunnableModel& m) { m.train_frames = 5; }),
        row(0, "grounded", "grounded pair head",
            "p pooled from the video under the predicted mask, s with a bag of words, the classifier reads [s, p, s*p]",
            [](ReferFormerFamily& f, RunnableModel&) { f.config = nn::ReferFormerConfig::r2vos_tiny_grounded(); }),
    };
    return rows;
}

std::vector<const AblationRow*> ablation_table(int table) {
    std::vector<const AblationRow*> rows;
    for (const auto& r : ablation_rows())
        if (r.table == table) rows.push_back(&r);
    return rows;
}

const AblationRow* find_ablation(const std::string& name) {
    for (const auto& r : ablation_rows())
        if (r.config == name || r.model.name == name) return &r;
    return nullptr;
}

}  // namespace r2
