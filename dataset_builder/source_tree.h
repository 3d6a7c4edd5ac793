// The referring-video data set the R² builder reads: Ref-YouTube-VOS, Ref-DAVIS17 or MeViS
// metadata, flattened into videos (frames, objects with categories) and their expressions.
// Each expression keeps its original JSON (Expression::raw) so the builder can write it back unchanged.
#pragma once
#include <filesystem>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset_layout.h"
#include "core/ytvos_meta.h"

namespace r2 {

// SourceFormat, parse_source_format, source_format_name and detect_source_format live in the one
// layout layer, core/dataset_layout.h.

// An expression as every reader has it (core/ytvos_meta.h): the builder reads meta_expressions.json
// with the same reader as eval, so that what `build-dataset` accepts `eval` accepts too.
using SourceExpression = Expression;

struct SourceObject {
    std::string id, category;
};

struct SourceVideo {
    std::string name;
    std::vector<std::string> frames;
    std::vector<SourceObject> objects;  // empty where the source has no meta.json (MeViS, public valid splits)
    std::vector<SourceExpression> expressions;
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // other keys of the video's entry
    const SourceObject* find_object(const std::string& id) const;
};

struct SourceTree {
    SourceFormat format = SourceFormat::ref_youtube_vos;
    std::filesystem::path root;
    std::string split;
    std::vector<SourceVideo> videos;
    std::filesystem::path frames_dir;  // <frames_dir>/<video>/<frame>.jpg
    std::string metadata_sha256;       // of every metadata file read, in a fixed order
    std::map<std::string, std::string> super_category;  // category → super-category, where defined
};

// Reads the metadata of one split. Super-categories come from `super_categories_file` when given,
// else from <root>/synth_stats.json (r2bench synth writes one), else there are none.
SourceTree read_source_tree(const std::filesystem::path& root, SourceFormat format, const std::string& split,
                            const std::filesystem::path& super_categories_file = {});

}  // namespace r2
