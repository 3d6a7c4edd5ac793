// MeViS (henghuiding/MeViS): <root>/<split>/ (train, valid_u, valid) holds JPEGImages/<video>/<frame>.jpg,
// meta_expressions.json (expressions carry "anno_id" lists: one expression may refer to several
// objects) and mask_dict.json ({anno_id: [per frame of the video: COCO RLE or null]}). The ground
// truth of an expression in a frame is the union of its anno_ids' masks there (tools/eval_mevis.py).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/coco_rle.h"
#include "core/mask_png.h"
#include "core/ytvos_meta.h"

namespace r2 {

struct MevisMaskDict {
    // anno_id → per frame index of its video: the object's mask, or nullopt where it is absent.
    std::unordered_map<std::string, std::vector<std::optional<CocoRle>>> annotations;
};

// Throws FileError naming the file, the anno_id and the frame index on malformed JSON or RLE.
MevisMaskDict read_mevis_mask_dict(const std::filesystem::path& path);
MevisMaskDict parse_mevis_mask_dict(const std::string& json_text, const std::string& name);

// The anno_id list of an expression as meta_expressions.json writes it (from Expression::raw;
// integers are written as their decimal text). Empty when the entry has none.
std::vector<std::string> mevis_anno_ids(const Expression& e);

// The union of `anno_ids`' masks in frame `frame_index` (1 = foreground). nullopt when every one
// is absent there (the size is then unknown: eval_mevis.py takes the prediction's). Throws
// r2::Error naming `where` for an unknown anno_id, too few frames, or masks of different sizes.
std::optional<LabelMap> mevis_union_mask(const MevisMaskDict& dict, const std::vector<std::string>& anno_ids,
                                         size_t frame_index, const std::string& where);

}  // namespace r2
