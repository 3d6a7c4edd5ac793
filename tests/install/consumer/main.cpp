// Uses the installed libraries on hand-computed cases; prints what test_install.sh checks.
#include <core/image_codecs.h>
#include <core/mask_png.h>
#include <dataset_builder/synth.h>
#include <metrics/bitmask.h>
#include <metrics/frame_metrics.h>
#include <metrics/robustness.h>

#include <cstdio>

int main() {
    // 4x4 ground truth: the top-left 2x2 square (4 pixels); prediction: its top row and two pixels
    // beside it. Intersection 2, union 6: J = 1/3.
    r2::LabelMap gt(4, 4), pred(4, 4);
    gt.at(0, 0) = gt.at(1, 0) = gt.at(0, 1) = gt.at(1, 1) = 1;
    pred.at(0, 0) = pred.at(1, 0) = pred.at(2, 0) = pred.at(3, 0) = 255;
    const double j = r2::jaccard(r2::mask_of_label(gt, 1), r2::mask_of_foreground(pred));
    // R = 1 - 25 / 100.
    const double r = r2::robustness(100, 25).value();
    // A 2x2 gray image through the installed PNG encoder and mask decoder.
    const uint8_t pixels[4] = {0, 255, 255, 0};
    const std::string png = r2::encode_png({pixels, 2, 2, 2, r2::PixelOrder::gray});
    const r2::LabelMap back = r2::decode_prediction_png(png, "2x2.png");
    const int videos = int(r2::synth::plan_videos(r2::synth::synth_preset("tiny")).size());
    std::printf("J=%.6f R=%.4f png_foreground=%d tiny_videos=%d\n", j, r, int(back.labels[1] + back.labels[2]), videos);
    return j > 0.333333 && j < 0.333334 && r == 0.75 && back.labels[1] == 1 && back.labels[0] == 0 && videos > 0 ? 0 : 1;
}
