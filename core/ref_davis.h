// Ref-DAVIS17 (Khoreva et al.): DAVIS 2017 frames and masks plus referring expressions in four
// text files, read into the same structs as Ref-YouTube-VOS (as ReferFormer's
// convert_davis_to_ytvos.py lays them out: per object, the four expressions in the order
// annotator 1 first-frame, annotator 1 full-video, annotator 2 first-frame, annotator 2 full-video).
//
//   <root>/DAVIS/JPEGImages/480p/<video>/<frame>.jpg
//   <root>/DAVIS/Annotations/480p/<video>/<frame>.png        (and Annotations_unsupervised/480p)
//   <root>/DAVIS/ImageSets/2017/{train,val}.txt
//   <root>/DAVIS/davis_semantics.json                         {video: {obj_id: category}}
//   <root>/davis_text_annotations/Davis17_annot{1,2}{,_full_video}.txt   lines: video obj_id "text"
#pragma once
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/ytvos_meta.h"

namespace r2 {

struct RefDavisSplit {
    VideoMeta meta;               // objects and categories (frames: where the annotation is non-empty is not checked)
    MetaExpressions expressions;  // frames from JPEGImages, exp ids 0.. per video
};

// `split` is "train" or "valid" (DAVIS' "val"). Throws FileError naming the file on problems.
RefDavisSplit read_ref_davis(const std::filesystem::path& root, const std::string& split);

// The four text annotation files, in exp-id order.
const std::array<const char*, 4>& ref_davis_text_files();

// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view bytes);
// Text that is not valid UTF-8 is taken as Latin-1 (as the real annotator-2 files are) and converted.
std::string to_utf8(const std::string& bytes);

}  // namespace r2
