#include "reports/mask_view.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/dataset_layout.h"
#include "core/error.h"
#include "core/image_codecs.h"
#include "core/mask_png.h"
#include "core/mevis.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {
ImageView view_of(const cv::Mat& image) {
    if (image.depth() != CV_8U || image.channels() == 2 || image.channels() > 4)
        throw Error(fmt::format("cannot encode a cv::Mat of type {}", image.type()));
    const PixelOrder order = image.channels() == 1 ? PixelOrder::gray : image.channels() == 3 ? PixelOrder::bgr : PixelOrder::bgra;
    return {image.data, image.cols, image.rows, image.step, order};
}
}  // namespace

cv::Mat read_frame_bgr(const fs::path& jpg) {
    if (jpg.empty() || !fs::exists(jpg)) return {};
    try {
        const Image8 rgb = read_jpeg_rgb(jpg);
        cv::Mat bgr;
        cv::cvtColor(cv::Mat(rgb.height, rgb.width, CV_8UC3, const_cast<uint8_t*>(rgb.pixels.data())), bgr, cv::COLOR_RGB2BGR);
        return bgr;
    } catch (const Error&) {
        return {};
    }
}

std::string png_bytes(const cv::Mat& image, int zlib_level) { return encode_png(view_of(image), zlib_level); }
std::string jpeg_bytes(const cv::Mat& image, int quality) { return encode_jpeg(view_of(image), quality); }

std::string base64(std::string_view bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
        for (int k = 18; k >= 0; k -= 6) out += table[(v >> k) & 63];
    }
    if (i + 1 == bytes.size()) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        out += table[(v >> 18) & 63], out += table[(v >> 12) & 63], out += "==";
    } else if (i + 2 == bytes.size()) {
        const uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8);
        out += table[(v >> 18) & 63], out += table[(v >> 12) & 63], out += table[(v >> 6) & 63], out += '=';
    }
    return out;
}

cv::Mat read_mask(const fs::path& png, const std::vector<int>& objects) {
    if (!fs::exists(png)) return {};
    try {
        LabelMap m = objects.empty() ? read_prediction_png(png) : read_label_png(png);
        cv::Mat ids(m.height, m.width, CV_8U, m.labels.data());
        if (objects.empty()) return cv::Mat(ids != 0);
        cv::Mat mask = cv::Mat::zeros(ids.size(), CV_8U);
        for (int id : objects) mask |= (ids == id);
        return mask;
    } catch (const FileError&) {
        return {};
    }
}

GroundTruthMasks::GroundTruthMasks(const std::string& format, const fs::path& annotations, const fs::path& expressions_file) {
    if (format != "mevis") {
        annotations_ = annotations;
        return;
    }
    try {
        const BenchSet set = load_bench_set(expressions_file.parent_path(), "", {});
        mevis_masks_ = set.mevis_masks;
        for (const auto& e : set.expressions) mevis_expressions_[e.video + "/" + e.exp_id] = {e.anno_ids, e.frames};
    } catch (const Error&) {
        mevis_masks_.reset();
    }
}

cv::Mat GroundTruthMasks::read(const std::string& video, const std::string& exp_id, const std::string& obj_id,
                               const std::string& frame) const {
    if (!annotations_.empty()) return read_mask(annotations_ / video / (frame + ".png"), object_ids(obj_id));
    const auto it = mevis_expressions_.find(video + "/" + exp_id);
    if (!mevis_masks_ || it == mevis_expressions_.end()) return {};
    const auto& frames = it->second.frames;
    const auto at = std::find(frames.begin(), frames.end(), frame);
    if (at == frames.end()) return {};
    try {
        std::optional<LabelMap> m = mevis_union_mask(*mevis_masks_, it->second.anno_ids, size_t(at - frames.begin()), video);
        if (!m) return {};
        return cv::Mat(cv::Mat(m->height, m->width, CV_8U, m->labels.data()) != 0);
    } catch (const Error&) {
        return {};
    }
}

std::vector<int> object_ids(const std::string& obj_id) {
    std::vector<int> ids;
    std::stringstream s(obj_id);
    for (std::string item; std::getline(s, item, ',');) {
        item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
        if (item.empty() || item.size() > 3 || item.find_first_not_of("0123456789") != std::string::npos) continue;
        const int id = std::stoi(item);
        if (id >= 1 && id <= 255) ids.push_back(id);
    }
    return ids;
}

}  // namespace r2
