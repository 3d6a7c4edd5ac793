// Ref-YouTube-VOS metadata: `<split>/meta.json` (videos → objects → category, frames) and
// `meta_expressions/<split>/meta_expressions.json` (videos → expressions → {exp, obj_id}, frames).
// Entries keep the order of the file, so reading and writing a file round-trips it.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// The one expression struct of every metadata reader (Ref-YouTube-VOS, MeViS, Ref-DAVIS17):
// the builder, the runner and eval all read the same file the same way.
struct Expression {
    std::string id;      // "0", "1", … unique within its video
    std::string text;    // the "exp" field
    std::string obj_id;  // empty where the file has none (the public valid split has none);
                         // several objects (MeViS' obj_id lists) are joined with ',' ("0,1"), as in r2_pairs.json
    // The entry as the file wrote it (null when made in memory), so the builder can write it back unchanged.
    nlohmann::ordered_json raw = nullptr;
};

// The object ids of an expression: "0,1" → {"0", "1"}; "" → {}.
std::vector<std::string> object_ids(const Expression& e);
// The entry to write back: `raw` where read from a file, else {"exp", "obj_id"}.
nlohmann::ordered_json expression_entry_json(const Expression& e);

struct ExpressionVideo {
    std::string name;
    std::vector<Expression> expressions;
    std::vector<std::string> frames;
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // other keys of the video's entry, kept as written
    const Expression* find_expression(const std::string& id) const;
};

struct MetaExpressions {
    std::vector<ExpressionVideo> videos;
    const ExpressionVideo* find(const std::string& name) const;
    size_t expression_count() const;
};

// Readers validate the structure (missing keys, wrong types, empty expression frame lists,
// duplicate frames) and throw FileError naming the file, the video and the key. obj_id may be a
// string, an integer or (MeViS) a list of them.
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

// The frame-list rule of every reader (meta.json, meta_expressions.json, r2_pairs.json): a frame
// name appears at most once in a video's list, else FileError "<file>: <where>: duplicate frame
// '<name>'" (where names the video). A duplicate would make a frame count twice in J, F and R,
// and two predictions would have to share one file name.
void check_unique_frames(const std::vector<std::string>& frames, const std::string& file, const std::string& where);

// Ordering of ids and frame names: numeric where both are numbers ("2" < "10"), else text.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace r2
