// One training clip as `r2bench train` feeds it to a model family's loss (ModelFamily::
// training_loss): the frames and the targets of every family. runners/train_data.h draws and
// augments them from a training split.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace r2 {

struct TrainClip {
    std::string video, expression_id, caption;  // caption after the flip's word swap
    std::vector<int64_t> frame_indices;         // into the video's frame list, sorted
    bool flipped = false;
    torch::Tensor frames;          // (T, 3, H, W) normalised, zero-padded to pad_multiple
    torch::Tensor referred_masks;  // (T, H, W) float 0/1
    torch::Tensor boxes;           // (T, 4) cx, cy, w, h over the unpadded size; zeros where invalid
    torch::Tensor valid;           // (T) float: the object has a box of positive area there
    torch::Tensor object_masks;    // (T, O, H, W) float: every object seen in the clip (MTTR)
    int64_t referred_object = 0;   // index of the referred object in object_masks
};

}  // namespace r2
