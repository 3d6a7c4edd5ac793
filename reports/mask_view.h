// What the pages that draw masks (report.html's thumbnails, compare.html's side-by-side pictures)
// share: a mask PNG read as a foreground image, object ids parsed, and images inlined as base64.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

namespace r2 {

struct MevisMaskDict;

// The foreground (255) of `objects` in a ground-truth PNG, or (objects empty) of a prediction PNG
// as eval reads it; an empty Mat when the file is absent or unreadable (a picture is left out,
// the scores already said what is wrong).
cv::Mat read_mask(const std::filesystem::path& png, const std::vector<int>& objects);

// The ground truth the pages draw for an expression's frame, from what summary.json's "inputs"
// name: the expression's object in a Ref-YouTube-VOS PNG (`annotations`), or for MeViS the union
// of the expression's objects decoded from the mask_dict.json beside `expressions_file`. A
// Ref-DAVIS17 summary names neither (its per-expression tables hold R only): nothing is drawn.
// Never throws: ground truth that cannot be read leaves the pictures without it (the scores
// already said what is wrong).
class GroundTruthMasks {
public:
    GroundTruthMasks() = default;
    GroundTruthMasks(const std::string& format, const std::filesystem::path& annotations, const std::filesystem::path& expressions_file);
    // Foreground 255; an empty Mat when there is nothing to draw (unknown expression or frame,
    // objects absent from a MeViS frame, no ground truth).
    cv::Mat read(const std::string& video, const std::string& exp_id, const std::string& obj_id, const std::string& frame) const;

private:
    struct MevisExpression {
        std::vector<std::string> anno_ids, frames;  // frames: the positive video's, in mask_dict order
    };
    std::filesystem::path annotations_;
    std::shared_ptr<const MevisMaskDict> mevis_masks_;
    std::map<std::string, MevisExpression> mevis_expressions_;  // "video/exp_id"
};

// "1" or "1,2" (Ref-DAVIS merges) → {1} or {1, 2}; items that are not palette ids 1..255 are skipped.
std::vector<int> object_ids(const std::string& obj_id);

// A JPEG frame as a BGR Mat to draw on; an empty Mat when the file is absent or does not decode.
cv::Mat read_frame_bgr(const std::filesystem::path& jpg);
// A BGR (or BGRA, or gray) Mat as PNG or JPEG bytes (core/image_codecs.h).
std::string png_bytes(const cv::Mat& image, int zlib_level);
std::string jpeg_bytes(const cv::Mat& image, int quality);

// Standard base64 (RFC 4648, padded), for data: URLs.
std::string base64(std::string_view bytes);
inline std::string base64(const std::vector<uint8_t>& bytes) {
    return base64(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace r2
