#include "core/ytvos_meta.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_depth.h"
#include "core/text_format.h"

namespace r2 {

using ojson = nlohmann::ordered_json;

template <class T>
static const T* find_by(const std::vector<T>& items, const std::string& key, std::string T::*field) {
    for (const auto& item : items)
        if (item.*field == key) return &item;
    return nullptr;
}

const MetaObject* MetaVideo::find_object(const std::string& id) const { return find_by(objects, id, &MetaObject::id); }
const MetaVideo* VideoMeta::find(const std::string& name) const { return find_by(videos, name, &MetaVideo::name); }
const Expression* ExpressionVideo::find_expression(const std::string& id) const {
    return find_by(expressions, id, &Expression::id);
}
const ExpressionVideo* MetaExpressions::find(const std::string& name) const {
    return find_by(videos, name, &ExpressionVideo::name);
}
size_t MetaExpressions::expression_count() const {
    size_t n = 0;
    for (const auto& v : videos) n += v.expressions.size();
    return n;
}

std::vector<std::string> object_ids(const Expression& e) {
    std::vector<std::string> ids;
    size_t start = 0;
    while (start <= e.obj_id.size() && !e.obj_id.empty()) {
        const size_t end = std::min(e.obj_id.find(',', start), e.obj_id.size());
        ids.push_back(e.obj_id.substr(start, end - start));
        start = end + 1;
    }
    return ids;
}

nlohmann::ordered_json expression_entry_json(const Expression& e) {
    if (!e.raw.is_null()) return e.raw;
    nlohmann::ordered_json entry{{"exp", e.text}};
    if (!e.obj_id.empty()) entry["obj_id"] = e.obj_id;
    return entry;
}

void check_unique_frames(const std::vector<std::string>& frames, const std::string& file, const std::string& where) {
    std::set<std::string> seen;
    for (const auto& f : frames)
        if (!seen.insert(f).second) throw FileError(file, fmt::format("{}: duplicate frame '{}'", where, f));
}

bool natural_less(const std::string& a, const std::string& b) {
    const bool a_num = !a.empty() && a.find_first_not_of("0123456789") == std::string::npos;
    const bool b_num = !b.empty() && b.find_first_not_of("0123456789") == std::string::npos;
    if (a_num && b_num) {
        const auto a_trim = a.find_first_not_of('0'), b_trim = b.find_first_not_of('0');
        const std::string as = a_trim == std::string::npos ? "" : a.substr(a_trim);
        const std::string bs = b_trim == std::string::npos ? "" : b.substr(b_trim);
        if (as.size() != bs.size()) return as.size() < bs.size();
        if (as != bs) return as < bs;
    }
    return a < b;
}

namespace {

// Small helpers that turn a JSON shape problem into "<file>: <where>: <problem>".
struct Reader {
    std::string file;

    [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
        throw FileError(file, where.empty() ? problem : where + ": " + problem);
    }
    const ojson& member(const ojson& object, const char* key, const std::string& where) const {
        if (!object.is_object()) fail(where, "expected a JSON object");
        const auto it = object.find(key);
        if (it == object.end()) fail(where, fmt::format("missing key '{}'", key));
        return *it;
    }
    std::string string_value(const ojson& value, const std::string& where) const {
        if (value.is_string()) return value.get<std::string>();
        if (value.is_number_integer()) return std::to_string(value.get<long long>());  // tolerate obj_id: 1
        fail(where, "expected a string");
    }
    std::vector<std::string> frame_list(const ojson& value, const std::string& where) const {
        if (!value.is_array()) fail(where, "expected an array of frame names");
        std::vector<std::string> frames;
        for (const auto& f : value) frames.push_back(string_value(f, where));
        check_unique_frames(frames, file, where);
        return frames;
    }
    ojson parse(const std::string& text) const {
        check_json_depth(text, file);
        try {
            return ojson::parse(text);
        } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e400
            fail("", fmt::format("invalid JSON: {}", e.what()));
        }
    }
};

}  // namespace

VideoMeta parse_video_meta(const std::string& json_text, const std::string& name) {
    const Reader r{name};
    const ojson root = r.parse(json_text);
    const ojson& videos = r.member(root, "videos", "");
    if (!videos.is_object()) r.fail("videos", "expected an object keyed by video name");
    VideoMeta meta;
    for (const auto& [video_name, video_json] : videos.items()) {
        const std::string where = fmt::format("video '{}'", video_name);
        MetaVideo video{video_name, {}};
        const ojson& objects = r.member(video_json, "objects", where);
        if (!objects.is_object()) r.fail(where, "'objects' must be an object keyed by object id");
        for (const auto& [object_id, object_json] : objects.items()) {
            const std::string owhere = fmt::format("{} object '{}'", where, object_id);
            MetaObject object;
            object.id = object_id;
            object.category = r.string_value(r.member(object_json, "category", owhere), owhere + " category");
            // Ref-DAVIS' converted meta.json has no per-object frames; Ref-YouTube-VOS' has.
            if (object_json.contains("frames")) object.frames = r.frame_list(object_json["frames"], owhere + " frames");
            video.objects.push_back(std::move(object));
        }
        meta.videos.push_back(std::move(video));
    }
    return meta;
}

MetaExpressions parse_meta_expressions(const std::string& json_text, const std::string& name) {
    const Reader r{name};
    const ojson root = r.parse(json_text);
    const ojson& videos = r.member(root, "videos", "");
    if (!videos.is_object()) r.fail("videos", "expected an object keyed by video name");
    MetaExpressions meta;
    for (const auto& [video_name, video_json] : videos.items()) {
        const std::string where = fmt::format("video '{}'", video_name);
        ExpressionVideo video;
        video.name = video_name;
        const ojson& expressions = r.member(video_json, "expressions", where);
        if (!expressions.is_object()) r.fail(where, "'expressions' must be an object keyed by expression id");
        for (const auto& [exp_id, exp_json] : expressions.items()) {
            const std::string ewhere = fmt::format("{} expression '{}'", where, exp_id);
            Expression e;
            e.id = exp_id;
            e.text = r.string_value(r.member(exp_json, "exp", ewhere), ewhere + " exp");
            if (exp_json.contains("obj_id")) {
                const ojson& id = exp_json["obj_id"];
                if (id.is_array()) {  // MeViS: one expression may refer to several objects
                    for (const auto& item : id)
                        e.obj_id += (e.obj_id.empty() ? "" : ",") + r.string_value(item, ewhere + " obj_id");
                } else {
                    e.obj_id = r.string_value(id, ewhere + " obj_id");
                }
            }
            e.raw = exp_json;
            video.expressions.push_back(std::move(e));
        }
        for (const auto& [key, value] : video_json.items())
            if (key != "expressions" && key != "frames") video.extra[key] = value;
        video.frames = r.frame_list(r.member(video_json, "frames", where), where + " frames");
        if (video.frames.empty()) r.fail(where, "'frames' is empty");
        meta.videos.push_back(std::move(video));
    }
    return meta;
}

VideoMeta read_video_meta(const std::filesystem::path& path) { return parse_video_meta(read_file(path), path.string()); }

MetaExpressions read_meta_expressions(const std::filesystem::path& path) {
    return parse_meta_expressions(read_file(path), path.string());
}

std::string video_meta_to_json(const VideoMeta& meta) {
    ojson videos = ojson::object();
    for (const auto& video : meta.videos) {
        ojson objects = ojson::object();
        for (const auto& object : video.objects) {
            ojson item{{"category", object.category}};
            if (!object.frames.empty()) item["frames"] = object.frames;
            objects[object.id] = std::move(item);
        }
        videos[video.name] = ojson{{"objects", std::move(objects)}};
    }
    return ojson{{"videos", std::move(videos)}}.dump() + "\n";
}

std::string meta_expressions_to_json(const MetaExpressions& meta) {
    ojson videos = ojson::object();
    for (const auto& video : meta.videos) {
        ojson expressions = ojson::object();
        for (const auto& e : video.expressions) {
            ojson item{{"exp", e.text}};
            if (!e.obj_id.empty()) item["obj_id"] = e.obj_id;
            expressions[e.id] = std::move(item);
        }
        videos[video.name] = ojson{{"expressions", std::move(expressions)}, {"frames", video.frames}};
    }
    return ojson{{"videos", std::move(videos)}}.dump() + "\n";
}

void write_video_meta(const std::filesystem::path& path, const VideoMeta& meta) {
    write_file_atomically(path, video_meta_to_json(meta));
}

void write_meta_expressions(const std::filesystem::path& path, const MetaExpressions& meta) {
    write_file_atomically(path, meta_expressions_to_json(meta));
}

void check_expressions_against_meta(const MetaExpressions& expressions, const VideoMeta& meta,
                                    const std::string& expressions_name) {
    std::vector<std::string> problems;
    for (const auto& video : expressions.videos) {
        const MetaVideo* mv = meta.find(video.name);
        if (!mv) {
            problems.push_back(fmt::format("video '{}' is not in meta.json", video.name));
            continue;
        }
        for (const auto& e : video.expressions)
            if (!e.obj_id.empty() && !mv->find_object(e.obj_id))
                problems.push_back(fmt::format("video '{}' expression '{}': unknown object id '{}'", video.name, e.id,
                                               e.obj_id));
    }
    if (!problems.empty()) throw FileError(expressions_name, problem_list("against meta.json", problems, 10));
}

}  // namespace r2
