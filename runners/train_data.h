// Training clips from a Ref-YouTube-VOS-layout training split (the synthetic generator's `train`
// split, or the real one): which (video, expression, frames) samples exist, and how one is loaded
// and augmented, following the official data code (ReferFormer/R2-VOS datasets/ytvos.py, MTTR
// datasets/refer_youtube_vos). Deterministic: everything random comes from the Rng passed in.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/rng.h"
#include "model_zoo/model_family.h"
#include "model_zoo/registry.h"
#include "model_zoo/train_clip.h"

namespace r2 {

struct TrainDataOptions {
    // anchor_and_neighbours (ReferFormer, R2-VOS): one sample per (expression, every T-th frame), a
    // clip of that frame and random neighbours; referred_windows (MTTR): one sample per
    // (expression, window of T consecutive frames) where the referred object appears.
    ClipSampling sampling = ClipSampling::anchor_and_neighbours;
    int64_t frames = 3;                       // T
    std::vector<int64_t> shorter_sides = {240};  // RandomResize: one drawn per clip
    int64_t max_longer_side = 0;              // DETR's max_size rule (0: none)
    bool photometric = true;                  // ReferFormer's PhotometricDistort (colour-preserving part)
    double flip_probability = 0.5;            // horizontal flip, swapping "left" and "right" in the sentence
    int64_t pad_multiple = 32;                // ReferFormer pads the input to a multiple of 32
    Preprocessing preprocessing;              // mean, std, lower-casing
};

class TrainSet {
public:
    // Reads <root>/train/meta.json, <root>/meta_expressions/train/meta_expressions.json (every
    // expression needs its obj_id) and checks that frames and annotations exist; FileError names
    // the file and the problem.
    static TrainSet open(const std::filesystem::path& root, const TrainDataOptions& options);

    size_t size() const { return samples_.size(); }
    size_t video_count() const { return videos_.size(); }
    size_t expression_count() const;
    const std::string& video_of(size_t sample) const { return videos_[samples_[sample].video].name; }
    // The sample's sentence as the model sees it before augmentation.
    std::string caption_of(size_t sample) const;
    // Loads and augments sample `sample` with `rng`. A clip whose referred object is invisible in
    // every frame (after augmentation) is redrawn from a random sample, as the official loader does.
    TrainClip load(size_t sample, Rng& rng) const;

private:
    struct Video {
        std::string name;
        std::vector<std::string> frames;
        struct Referral {
            std::string id, text;
            int object = 0;  // palette index
        };
        std::vector<Referral> expressions;
    };
    struct Sample {
        size_t video = 0, expression = 0;
        int64_t frame = 0;  // the sample's anchor (ReferFormer) or window start (MTTR)
    };
    TrainClip load_once(const Sample& sample, Rng& rng) const;

    std::filesystem::path root_;
    TrainDataOptions options_;
    std::vector<Video> videos_;
    std::vector<Sample> samples_;
};

// The flip's sentence rewrite: "left" ↔ "right" as whole words (the official code swaps
// substrings, which would also turn "bright" into "bleft").
std::string swap_left_right(const std::string& sentence);

}  // namespace r2
