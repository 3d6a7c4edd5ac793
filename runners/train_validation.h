// A held-out check while training: every --val-every steps the model in training segments a few
// R² pairs of a held-out set (its own video and its negative video for each expression), exactly
// as `run` would, and is scored as `eval` would: J&F, R and the AUROC of its alignment scores A.
// A pair head that is not learning (A without spread, AUROC near 50) shows in the first minutes
// of a run instead of after it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "metrics/bitmask.h"
#include "metrics/alignment.h"
#include "metrics/evaluation.h"
#include "model_zoo/registry.h"
#include "runners/segmentation_model.h"

namespace r2 {

struct ValidationOptions {
    std::filesystem::path source;  // a ground-truth tree (as `eval --source`), held out from the training data
    std::string split = "valid";
    std::filesystem::path pairs;   // its r2_pairs.json (`build-dataset`)
    int64_t expressions = 32;      // at most this many, spread evenly over the pairs file
    int64_t every = 100;           // steps between passes (and one after the last step)
};

// The chosen expressions with every frame they need, decoded once (the model's input size) and
// each positive frame's ground-truth object.
struct ValidationSet {
    std::vector<EvalExpression> expressions;
    struct Video {
        torch::Tensor frames;  // (T, 3, h, w), as `run` feeds the model (whole video, one clip)
        int width = 0, height = 0;
    };
    std::map<std::string, Video> videos;
    std::vector<std::vector<BitMask>> ground_truth;  // [expression][positive frame]
};

// Reads and checks everything before training starts (FileError / InputProblems naming the file).
ValidationSet open_validation_set(const ValidationOptions& options, const Preprocessing& preprocessing);

struct ValidationScores {
    int64_t expressions = 0;
    double j = 0, f = 0, jf = 0;
    std::optional<double> r, jfr, auroc;
    double alignment_mean = 0, alignment_std = 0;  // of A over every pair, both sides
    int64_t rejected_positive = 0, rejected_negative = 0;
    // A with almost no spread: the head says the same for every pair, and its rejections (if any)
    // are noise. Threshold as `eval`'s.
    bool degenerate() const { return alignment_std < kDegenerateAlignmentStd; }
};

// Segments every pair (gradients off) and scores it. The caller puts the model in eval mode.
ValidationScores validate(SegmentationModel& model, const ValidationSet& set, const torch::Device& device);

}  // namespace r2
