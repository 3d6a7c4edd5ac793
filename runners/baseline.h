// Reference "models" that need no weights: they read the ground truth and write a submission in
// the leaderboard layout (Annotations/ for positives, Negatives/ for the R² negatives). They
// check an evaluation pipeline end to end, and give known anchors for J, F and R:
//   oracle        the ground-truth object on its own video, nothing on the negative video
//                 (J = F = 1 wherever the object is visible, R = 1)
//   noisy-oracle  the ground truth shifted, eroded or dilated a little per frame, sometimes lost,
//                 and on some negative videos a hallucinated blob (J, F < 1, R < 1)
//   empty         nothing anywhere (J = 0 on visible objects, R = 1 by its zero-pixel rule)
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace r2 {

struct BaselineOptions {
    std::string model = "noisy-oracle";
    uint64_t seed = 0;
    double hallucination_rate = 0.25;  // noisy-oracle: share of expressions that segment something in their negative video
};

const std::vector<std::string>& baseline_models();

// Writes a 0/255 grayscale PNG atomically, as the official inference scripts save masks (the
// neural runner writes its masks with it too).
void write_mask_png(const std::filesystem::path& path, const uint8_t* pixels, int width, int height);

struct BaselineReport {
    int64_t expressions = 0, positive_masks = 0, negative_masks = 0;
};

// Reads `gt` (a Ref-YouTube-VOS root or split folder, as `eval --source`) and `pairs`, writes
// 0/255 grayscale PNGs under `out`. Deterministic for a seed, whatever the thread count.
BaselineReport run_baseline(const std::filesystem::path& gt, const std::string& split, const std::filesystem::path& pairs,
                  const std::filesystem::path& out, const BaselineOptions& options);

}  // namespace r2
