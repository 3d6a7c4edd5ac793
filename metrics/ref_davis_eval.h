// Ref-DAVIS17 scored as its published numbers are (ReferFormer's inference_davis.py +
// scripts/dist_test_davis.sh + eval_davis.py, which R2-VOS reuses): each of the four expression
// sets ("annotators": annot1 first-frame, annot1 full-video, annot2 first-frame, annot2 full-video)
// is scored on its own by davis2017-evaluation (metrics/davis_protocol.h), and J, F and J&F are
// the means over the four.
//
// Predictions are read in either layout:
//  * ReferFormer's: PRED/anno_<a>/<video>/<frame>.png (or PRED/valid/anno_<a>/…), one palette PNG
//    per frame holding every object of annotator a (index k+1 = the video's k-th object);
//  * r2bench's: PRED/Annotations/<video>/<exp_id>/<frame>.png, one binary mask per expression
//    (exp_id = 4 k + a, as core/ref_davis.h numbers them), merged here into annotator a's palette
//    PNG the way inference_davis.py merges: a pixel takes the first object whose mask covers it.
//    (inference_davis.py takes the object of highest probability; binary masks have none, so
//    where two masks overlap r2bench gives the pixel to the lower object index.)
#pragma once
#include <array>
#include <filesystem>
#include <string>

#include "core/mask_png.h"
#include "metrics/davis_protocol.h"

namespace r2 {

enum class RefDavisPredictionLayout { referformer, r2bench };

struct RefDavisEvalResult {
    DavisTask task = DavisTask::unsupervised;
    RefDavisPredictionLayout layout = RefDavisPredictionLayout::referformer;
    std::array<DavisResult, 4> annotators;
    double j = 0, f = 0, jf = 0;  // means over the four annotators' J-Mean, F-Mean, J&F-Mean
};

// `root`: a Ref-DAVIS17 root (<root>/DAVIS/… + <root>/davis_text_annotations/…) or a DAVIS folder;
// `split`: "valid" (DAVIS "val") or "train". Throws FileError/r2::Error naming what is wrong.
RefDavisEvalResult evaluate_ref_davis(const std::filesystem::path& root, const std::string& split, DavisTask task,
                                      const std::filesystem::path& predictions, const PngLimits& limits = {});

// Whether `predictions` holds ReferFormer's anno_0..anno_3 folders (directly or under valid/).
bool has_referformer_davis_layout(const std::filesystem::path& predictions);

}  // namespace r2
