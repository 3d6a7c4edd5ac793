// Where a benchmark's ground truth and pair list live, and what they say to score: the data-set
// layout shared by `eval`, `score` and the baseline runner. It reads meta_expressions.json and
// r2_pairs.json with the same readers as the builder (core/ytvos_meta.h, core/pairs.h), so
// whatever `build-dataset` accepts is accepted here too.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace r2 {

struct MevisMaskDict;

// ---- The three benchmark layouts ------------------------------------------------------------
//
//   ref-youtube-vos  <root>/<split>/{JPEGImages,Annotations}/<video>/<frame>.{jpg,png}
//                    <root>/meta_expressions/<split>/meta_expressions.json   (or a split folder:
//                    <root>/{JPEGImages,Annotations,meta_expressions.json})
//   ref-davis        <root>/DAVIS/{JPEGImages,Annotations,Annotations_unsupervised}/480p/<video>/…,
//                    <root>/DAVIS/ImageSets/2017/{train,val}.txt, <root>/davis_text_annotations/*.txt
//   mevis            <root>/<split>/{JPEGImages/<video>/<frame>.jpg, meta_expressions.json, mask_dict.json}
//                    (split: train, valid_u, valid; or a split folder)
enum class SourceFormat { ref_youtube_vos, ref_davis, mevis };
SourceFormat parse_source_format(const std::string& name);  // "ref-youtube-vos", "ref-davis", "mevis"
const char* source_format_name(SourceFormat f);
// The layout a root folder has; nullopt when it is none of them.
std::optional<SourceFormat> detect_source_format(const std::filesystem::path& root);
// What detect_source_format looks for, in one line (for "not a … tree" errors).
std::string source_format_clues();
// The folder of a video's frames (<frame>.jpg) in `format`'s layout.
std::filesystem::path frames_folder(const std::filesystem::path& root, SourceFormat format, const std::string& split);
// Where a root of `format` keeps the expressions of `split`: Ref-YouTube-VOS
// meta_expressions/<split>/meta_expressions.json, MeViS <split>/meta_expressions.json,
// Ref-DAVIS17 the davis_text_annotations/ folder (all splits).
std::filesystem::path expressions_path(const std::filesystem::path& root, SourceFormat format, const std::string& split);
// Ref-DAVIS17's annotations: DAVIS/Annotations/480p (semi-supervised: one id per object, as the
// expressions name it) and DAVIS/Annotations_unsupervised/480p (the published protocol's).
std::filesystem::path ref_davis_annotations(const std::filesystem::path& root, bool unsupervised);

// One expression of the benchmark as it is scored: on its own (positive) video and, with pairs,
// on its paired negative video.
struct BenchExpression {
    std::string video;   // its positive video
    std::string exp_id;  // its id within that video
    std::string text;
    std::string obj_id;  // object id in the ground truth (needed for J and F)
    std::vector<std::string> frames;           // frames of the positive video
    std::string negative_video;                // empty when no pairs were given
    std::vector<std::string> negative_frames;  // frames of the negative video
    bool negative_in_pool = false;             // the negative video comes from a negative pool (no ground truth)
    std::vector<std::string> anno_ids;         // MeViS: the objects whose union is the ground truth
};

// The two ground-truth layouts: a Ref-YouTube-VOS root (<root>/<split>/Annotations +
// <root>/meta_expressions/<split>/meta_expressions.json) or a split folder (<root>/Annotations +
// <root>/meta_expressions.json). Throws FileError naming both when neither is there.
// A MeViS root (<root>/<split>/meta_expressions.json + mask_dict.json) or split folder is found too.
struct GtLayout {
    SourceFormat format = SourceFormat::ref_youtube_vos;
    std::filesystem::path annotations, expressions;  // annotations: empty for MeViS
    std::filesystem::path mask_dict;                 // MeViS only
};
GtLayout resolve_gt(const std::filesystem::path& root, const std::string& split);

// What to score, and where it came from (for summary.json).
struct BenchSet {
    std::vector<BenchExpression> expressions;
    std::filesystem::path gt_annotations;  // <gt>/Annotations/<video>/<frame>.png; empty: no J and F (or MeViS)
    std::shared_ptr<const MevisMaskDict> mevis_masks;  // MeViS ground truth (RLE per anno_id and frame); null otherwise
    SourceFormat gt_format = SourceFormat::ref_youtube_vos;
    std::string gt_split;  // the split the ground truth was read for
    std::filesystem::path frames_dir;  // <frames_dir>/<video>/<frame>.jpg (for report thumbnails); empty: unknown
    bool has_gt() const { return !gt_annotations.empty() || mevis_masks != nullptr; }
    bool has_pairs = false;                // negatives are scored (R) only with pairs
    std::filesystem::path gt_root, gt_expressions_file, pairs_file;
};

// Every problem found with the inputs, listed (as many as there are) rather than the first alone.
class InputProblems : public Error {
public:
    explicit InputProblems(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

// Reads the ground truth (optional: empty `gt`) and the pairs (optional: empty `pairs`; at least
// one of the two) and checks that they agree: every pair's expression is in the ground truth with
// the same object and frames, every ground-truth expression has a pair, and with ground truth
// every expression names one object 1..255. Throws FileError for an unreadable file and
// InputProblems listing every disagreement.
BenchSet load_bench_set(const std::filesystem::path& gt, const std::string& split, const std::filesystem::path& pairs);

// An object id J and F can use: one palette index 1..255.
bool valid_object_id(const std::string& id);

}  // namespace r2
