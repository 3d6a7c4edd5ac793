// COCO run-length encoded masks, as pycocotools (common/maskApi.c) stores them and MeViS'
// mask_dict.json holds them: {"size": [height, width], "counts": …} where counts is either the
// compressed string (rleToString's 6-bit characters, counts after the second delta-coded) or the
// plain list of run lengths. Runs alternate background/foreground starting with background, in
// column-major (Fortran) order.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mask_png.h"

namespace r2 {

struct CocoRle {
    int height = 0, width = 0;
    std::vector<uint32_t> counts;  // run lengths, background first; they sum to height * width
};

// rleFrString: the compressed counts string → run lengths. Throws r2::Error on characters outside
// '0'..'o' (48..111), a truncated last number, or a negative run.
std::vector<uint32_t> decode_rle_string(std::string_view counts);
// rleToString: the inverse (for tests, synthetic data and the fuzz round trip).
std::string encode_rle_string(const std::vector<uint32_t>& counts);

// Reads {"size": [h, w], "counts": "…" or [n, …]}. Throws r2::Error naming `where` when the size or
// the counts are malformed or the runs do not cover exactly h * w pixels.
CocoRle parse_coco_rle(const nlohmann::json& j, const std::string& where);

// The mask (1 = foreground, 0 = background) in row-major order.
LabelMap decode_coco_rle(const CocoRle& rle);
// The runs of a mask whose non-zero pixels are foreground.
CocoRle encode_coco_rle(const LabelMap& mask);
// {"size": [h, w], "counts": compressed string}, as pycocotools' encode gives it.
nlohmann::json coco_rle_json(const CocoRle& rle);

}  // namespace r2
