// Ref-YouTube-VOS metadata: `<split>/meta.json` (videos → objects → category, frames) and
// `meta_expressions/<split>/meta_expressions.json` (videos → expressions → {exp, obj_id}, frames).
// Entries keep the order of the file, so reading and writing a file round-trips it.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace r2 {

// ---- meta.json --------------------------------------------------------------------------

struct MetaObject {
    std::string id;  // "1", "2", … = the palette index in the annotation PNGs
    std::string category;
    std::vector<std::string> frames;  // frames in which the object is annotated (empty: not given)
};

struct MetaVideo {
    std::string name;
    std::vector<MetaObject> objects;
    const MetaObject* find_object(const std::string& id) const;
};

struct VideoMeta {
    std::vector<MetaVideo> videos;
    const MetaVideo* find(const std::string& name) const;
};

// ---- meta_expressions.json ---------------------------------------------------------------

struct Expression {
    std::string id;      // "0", "1", … unique within its video
    std::string text;    // the "exp" field
    std::string obj_id;  // empty where the file has none (the public valid split has none)
};

struct ExpressionVideo {
    std::string name;
    std::vector<Expression> expressions;
    std::vector<std::string> frames;
    const Expression* find_expression(const std::string& id) const;
};

struct MetaExpressions {
    std::vector<ExpressionVideo> videos;
    const ExpressionVideo* find(const std::string& name) const;
    size_t expression_count() const;
};

// Readers validate the structure (missing keys, wrong types, empty expression frame lists,
// duplicate frames) and throw FileError naming the file, the video and the key.
VideoMeta read_video_meta(const std::filesystem::path& path);
MetaExpressions read_meta_expressions(const std::filesystem::path& path);
// From already-parsed text (used by the readers; `name` appears in errors).
VideoMeta parse_video_meta(const std::string& json_text, const std::string& name);
MetaExpressions parse_meta_expressions(const std::string& json_text, const std::string& name);

// Writers are atomic and emit the official key names, entries in stored order.
void write_video_meta(const std::filesystem::path& path, const VideoMeta& meta);
void write_meta_expressions(const std::filesystem::path& path, const MetaExpressions& meta);
std::string video_meta_to_json(const VideoMeta& meta);
std::string meta_expressions_to_json(const MetaExpressions& meta);

// Cross-checks an expression file against meta.json: every video exists and every obj_id is
// an object of its video. Throws FileError naming `expressions_name` and the first problems.
void check_expressions_against_meta(const MetaExpressions& expressions, const VideoMeta& meta,
                                    const std::string& expressions_name);

// Ordering of ids and frame names: numeric where both are numbers ("2" < "10"), else text.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace r2
