// DAVIS 2017 scoring of multi-object palette predictions, exactly as davis2017-evaluation's
// DAVISEvaluation.evaluate computes it (davis2017/evaluation.py, davis.py, results.py), for both
// of its tasks:
//
//  * unsupervised (the task the published Ref-DAVIS17 numbers use: ReferFormer's eval_davis.py
//    runs it by default): ground truth from Annotations_unsupervised/480p, every frame counted,
//    void pixels (255) left out of J and F, and each video's predicted ids matched to its
//    ground-truth objects by a Hungarian assignment maximising mean (J+F)/2; ground-truth objects
//    without a prediction are scored against empty masks; at most 20 predicted ids.
//  * semi-supervised: ground truth from Annotations/480p, the first and last frames left out,
//    predicted id k scored against object k, void pixels counted as background.
//
// As the reference: a video's objects are the ids 1..max of its first ground-truth frame, a
// prediction's ids are 1..max over the frames read, and each (pair) row is named <video>_<i>
// with i counting the matched pairs in order of predicted id.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/mask_png.h"
#include "metrics/statistics.h"

namespace r2 {

enum class DavisTask { unsupervised, semi_supervised };
const char* davis_task_name(DavisTask task);                // "unsupervised", "semi-supervised"
DavisTask parse_davis_task(const std::string& name);        // throws r2::Error naming the choices

// One scored (predicted id, ground-truth object) pair of a video.
struct DavisObjectResult {
    std::string video;
    int index = 0;         // 1-based row of the reference's per-object table (<video>_<index>)
    int gt_object = 0;     // ground-truth object id (1..)
    int predicted_id = 0;  // palette index of the prediction (0: no prediction, an empty mask)
    std::vector<double> j, f;  // per scored frame
    SeriesStats j_stats, f_stats;
};

struct DavisResult {
    DavisTask task = DavisTask::unsupervised;
    std::vector<DavisObjectResult> objects;  // videos in list order
    SeriesStats j, f;                        // means over objects of mean / recall / decay
    double jf = 0;                           // (J-Mean + F-Mean) / 2
    int videos = 0;
};

// Reads the prediction of one frame: a palette (or grayscale) label map, or nullopt when the file
// is missing (an error, as in the reference, unless the caller substitutes an empty mask).
using DavisPredictionReader = std::function<std::optional<LabelMap>(const std::string& video, const std::string& frame)>;

// The DAVIS folder of a data set: `root` itself when it holds ImageSets/, else root/DAVIS.
std::filesystem::path davis_folder(const std::filesystem::path& root);

// The sequence names of ImageSets/2017/<set>.txt (set: "val" or "train").
std::vector<std::string> davis_sequences(const std::filesystem::path& davis_dir, const std::string& set);

// Scores `videos` of the DAVIS folder. Throws FileError for unreadable or inconsistent ground
// truth, and r2::Error (naming the video) where the reference stops: more than 20 predicted ids
// (unsupervised), a predicted id above the video's object count (semi-supervised), a missing or
// differently sized prediction.
DavisResult evaluate_davis(const std::filesystem::path& davis_dir, const std::vector<std::string>& videos, DavisTask task,
                           const DavisPredictionReader& read_prediction, double bound_th = 0.008);

// Reads <dir>/<video>/<frame>.png (the reference's results folder layout).
DavisPredictionReader davis_folder_reader(const std::filesystem::path& dir, const PngLimits& limits = {});

}  // namespace r2
