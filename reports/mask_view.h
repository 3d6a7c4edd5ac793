// What the pages that draw masks (report.html's thumbnails, compare.html's side-by-side pictures)
// share: a mask PNG read as a foreground image, object ids parsed, and images inlined as base64.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

namespace r2 {

// The foreground (255) of `objects` in a ground-truth PNG, or (objects empty) of a prediction PNG
// as eval reads it; an empty Mat when the file is absent or unreadable (a picture is left out,
// the scores already said what is wrong).
cv::Mat read_mask(const std::filesystem::path& png, const std::vector<int>& objects);

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
