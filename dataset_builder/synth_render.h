// Drawing a synthetic video frame: a panned, noisy background and the objects' silhouettes in
// depth order. The label map is drawn with the same polygons as the image, so the annotation
// is exactly what is seen (occluded parts belong to the object in front).
#pragma once
#include <opencv2/core.hpp>

#include "core/mask_png.h"
#include "dataset_builder/synth_scene.h"

namespace r2::synth {

// The parts of a category's silhouette, in unit coordinates (fits the unit circle, y down).
struct ShapePart {
    std::vector<std::vector<cv::Point2d>> contours;  // filled together (even-odd: inner contours are holes)
    bool subtract = false;                           // cut out of what was drawn before
};
const std::vector<ShapePart>& shape_of(int category);

// Fills `mask` (CV_8U, frame size) with 255 where the object is at `pose`; returns the
// bounding box that was touched (clipped to the frame, possibly empty).
cv::Rect draw_silhouette(cv::Mat& mask, int category, const Pose& pose);

// Per-video state that every frame reuses (the large background the camera pans over).
struct VideoCanvas {
    cv::Mat background;  // CV_8UC3, BGR, larger than the frame by the pan distance
    int offset_x0 = 0, offset_y0 = 0;
};
VideoCanvas prepare_canvas(const SynthVideo& video);

// Renders frame t: `image` (CV_8UC3, BGR) and `labels` (object ids, 0 = background).
void render_frame(const SynthVideo& video, const VideoCanvas& canvas, int t, cv::Mat& image, LabelMap& labels);

}  // namespace r2::synth
