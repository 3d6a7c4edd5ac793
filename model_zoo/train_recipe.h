// The optimisation recipe `r2bench train` follows: each model family gives the official one
// (ModelFamily::official_recipe), runners/trainer.h adapts it to the model (sizes, clip length,
// the tiny models' from-scratch rates) and the CLI may override each field.
#pragma once
#include <cstdint>
#include <vector>

namespace r2 {

struct TrainRecipe {
    double lr = 1e-4;
    double backbone_lr_scale = 0.5, text_lr_scale = 0.1;  // × lr for backbone.* and the text encoder
    double weight_decay = 5e-4;
    double clip_max_norm = 0.1;
    std::vector<double> lr_drops = {8.0 / 12, 10.0 / 12};  // fractions of the steps
    double lr_gamma = 0.1;
    int64_t batch_size = 4;   // clips per step (R2-VOS's relational losses need at least 3)
    int64_t frames = 3;       // frames per clip
    std::vector<int64_t> shorter_sides;  // random resize choices for the shorter side
    int64_t max_longer_side = 0;
    bool photometric = true;
    int64_t pad_multiple = 32;
};

}  // namespace r2
