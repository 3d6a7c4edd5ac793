// How a model's official inference prepares its input: the frames' size and normalisation, and
// the sentence's cleaning.
#pragma once
#include <cstdint>

namespace r2 {

// The official inference preprocessing: torchvision's Resize(shorter_side) (aspect kept; longer
// side capped only where max_longer_side > 0), then ImageNet normalisation.
struct Preprocessing {
    int64_t shorter_side = 360;
    int64_t max_longer_side = 0;
    // MTTR resizes with DETR's RandomResize(max_size) rule instead (runners/pil_resize.h).
    bool detr_max_size = false;
    float mean[3] = {0.485f, 0.456f, 0.406f};
    float std[3] = {0.229f, 0.224f, 0.225f};
    bool lowercase_text = false;
};

}  // namespace r2
