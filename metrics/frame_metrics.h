// Per-frame J and F, exactly as davis2017-evaluation's davis2017/metrics.py computes them
// (db_eval_iou, f_measure, _seg2bmap), on packed bit masks.
#pragma once
#include "metrics/bitmask.h"

namespace r2 {

// Region similarity J: |gt ∩ pred| / |gt ∪ pred|; 1 when both masks are empty.
double jaccard(const BitMask& gt, const BitMask& pred);

// seg2bmap: 1-pixel-wide boundaries, a pixel is on the boundary when it differs from its east,
// south or south-east neighbour; last row compares with east only, last column with south
// only, and the bottom-right pixel is never a boundary.
BitMask seg2bmap(const BitMask& mask);

// The dilation radius of F: bound_th itself when bound_th >= 1 (pixels), otherwise
// ceil(bound_th * sqrt(width² + height²)).
int boundary_radius(int width, int height, double bound_th = 0.008);

// Binary dilation by a disk of `radius` (the pixels (dx, dy) with dx² + dy² <= radius², as
// skimage.morphology.disk), with nothing outside the image (as cv2.dilate's default border).
BitMask dilate_disk(const BitMask& mask, int radius);

// Number of set pixels of `points` that lie within the disk of `radius` around some set pixel
// of `targets`: |points ∧ dilate_disk(targets, radius)|, computed on the rows that matter only.
int64_t count_within(const BitMask& points, const BitMask& targets, int radius);

struct BoundaryScore {
    double precision = 0, recall = 0, f = 0;
};

// Contour accuracy F (DAVIS f_measure), including its empty cases:
//   no predicted boundary, some GT boundary  → precision 1, recall 0
//   some predicted boundary, no GT boundary  → precision 0, recall 1
//   neither                                  → precision 1, recall 1
//   F = 0 when precision + recall = 0.
BoundaryScore boundary_f(const BitMask& gt, const BitMask& pred, double bound_th = 0.008);

}  // namespace r2
