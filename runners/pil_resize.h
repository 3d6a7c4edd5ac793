// The official inference scripts resize frames with torchvision's Resize(360) on PIL images, which
// is PIL's antialiased bilinear resampling (Image.BILINEAR, ImagingResample in Resample.c), not
// OpenCV's INTER_LINEAR: when downscaling, PIL widens the triangle filter by the scale factor, and
// it rounds to uint8 between its horizontal and vertical passes. This file reproduces both, so
// r2bench's model inputs equal the official ones (tests/fixtures/resize checks it against PIL).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/image_codecs.h"  // Image8

namespace r2 {

// PIL's Image.resize((width, height), Image.BILINEAR) on the whole image (box = full image, no
// reducing_gap), exactly: same coefficients, 22-bit fixed point, same rounding and clipping.
Image8 pil_resize_bilinear(const Image8& in, int width, int height);

// torchvision's Resize(shorter_side) output size (width, height): the shorter side becomes
// `shorter_side`, the longer one int(shorter_side * long / short) (truncated, as Python's int()),
// then capped at max_longer_side (> 0) the way torchvision's max_size does.
std::array<int, 2> torchvision_resize_size(int width, int height, int shorter_side, int max_longer_side = 0);

// DETR's RandomResize([shorter_side], max_size) output size (width, height), as MTTR's
// datasets/transforms.py computes it: when the longer side would pass max_longer_side, the shorter
// side becomes round(max · short / long) FIRST and the longer one int(that · long / short) after,
// so 1920x800 → 640x267 where torchvision's cap gives 640x266.
std::array<int, 2> detr_resize_size(int width, int height, int shorter_side, int max_longer_side);

}  // namespace r2
