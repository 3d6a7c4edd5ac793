#include "dataset_builder/source_tree.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/ref_davis.h"
#include "core/sha256.h"
#include "core/ytvos_meta.h"

namespace r2 {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

SourceFormat parse_source_format(const std::string& name) {
    if (name == "ref-youtube-vos" || name == "ytvos") return SourceFormat::ref_youtube_vos;
    if (name == "ref-davis" || name == "davis") return SourceFormat::ref_davis;
    if (name == "mevis") return SourceFormat::mevis;
    throw Error(fmt::format("unknown format '{}' (ref-youtube-vos, ref-davis or mevis)", name));
}

const char* source_format_name(SourceFormat f) {
    switch (f) {
        case SourceFormat::ref_youtube_vos: return "ref-youtube-vos";
        case SourceFormat::ref_davis: return "ref-davis";
        case SourceFormat::mevis: return "mevis";
    }
    return "?";
}

const SourceObject* SourceVideo::find_object(const std::string& id) const {
    for (const auto& o : objects)
        if (o.id == id) return &o;
    return nullptr;
}

namespace {

ojson parse_json(const std::string& text, const fs::path& path) {
    try {
        return ojson::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw FileError(path, fmt::format("invalid JSON: {}", e.what()));
    }
}

std::string id_string(const ojson& v, const fs::path& path, const std::string& where) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    throw FileError(path, where + ": object ids must be strings or integers");
}

// meta_expressions.json as Ref-YouTube-VOS (obj_id a string) or MeViS (obj_id a list) write it.
std::vector<SourceVideo> parse_expression_file(const std::string& text, const fs::path& path) {
    const ojson root = parse_json(text, path);
    if (!root.is_object() || !root.contains("videos") || !root["videos"].is_object())
        throw FileError(path, "missing key 'videos'");
    std::vector<SourceVideo> videos;
    for (const auto& [name, v] : root["videos"].items()) {
        const std::string where = fmt::format("video '{}'", name);
        if (!v.is_object() || !v.contains("expressions") || !v["expressions"].is_object())
            throw FileError(path, where + ": missing key 'expressions'");
        if (!v.contains("frames") || !v["frames"].is_array() || v["frames"].empty())
            throw FileError(path, where + ": missing or empty 'frames'");
        SourceVideo video;
        video.name = name;
        for (const auto& f : v["frames"]) {
            if (!f.is_string()) throw FileError(path, where + ": frame names must be strings");
            video.frames.push_back(f.get<std::string>());
        }
        for (const auto& [key, value] : v.items())
            if (key != "expressions" && key != "frames") video.extra[key] = value;
        for (const auto& [exp_id, e] : v["expressions"].items()) {
            const std::string ewhere = fmt::format("{} expression '{}'", where, exp_id);
            if (!e.is_object() || !e.contains("exp") || !e["exp"].is_string())
                throw FileError(path, ewhere + ": missing key 'exp'");
            SourceExpression x{exp_id, e["exp"].get<std::string>(), {}, e};
            if (e.contains("obj_id")) {
                if (e["obj_id"].is_array())
                    for (const auto& id : e["obj_id"]) x.obj_ids.push_back(id_string(id, path, ewhere));
                else
                    x.obj_ids.push_back(id_string(e["obj_id"], path, ewhere));
            }
            video.expressions.push_back(std::move(x));
        }
        videos.push_back(std::move(video));
    }
    return videos;
}

}  // namespace

SourceTree read_source_tree(const fs::path& root, SourceFormat format, const std::string& split,
                            const fs::path& super_categories_file) {
    SourceTree tree;
    tree.format = format;
    tree.root = root;
    tree.split = split;
    if (!fs::is_directory(root)) throw FileError(root, "source folder not found");
    Sha256 hash;
    auto hashed = [&](const fs::path& path) {
        const std::string text = read_file(path);
        hash.update(fs::relative(path, root).generic_string()).update(std::string(1, '\0')).update(text);
        return text;
    };

    if (format == SourceFormat::ref_youtube_vos || format == SourceFormat::mevis) {
        const fs::path expressions = format == SourceFormat::mevis
                                         ? root / split / "meta_expressions.json"
                                         : root / "meta_expressions" / split / "meta_expressions.json";
        if (!fs::exists(expressions)) throw FileError(expressions, "not found (is --format right?)");
        tree.videos = parse_expression_file(hashed(expressions), expressions);
        tree.frames_dir = root / split / "JPEGImages";
        const fs::path meta_path = root / split / "meta.json";
        if (format == SourceFormat::ref_youtube_vos && fs::exists(meta_path)) {
            const VideoMeta meta = parse_video_meta(hashed(meta_path), meta_path.string());
            for (auto& v : tree.videos) {
                const MetaVideo* mv = meta.find(v.name);
                if (!mv) throw FileError(meta_path, fmt::format("video '{}' of the expressions is missing", v.name));
                for (const auto& o : mv->objects) v.objects.push_back({o.id, o.category});
                for (const auto& e : v.expressions)
                    for (const auto& id : e.obj_ids)
                        if (!v.find_object(id))
                            throw FileError(expressions, fmt::format("video '{}' expression '{}': unknown object id '{}'",
                                                                     v.name, e.exp_id, id));
            }
        }
    } else {
        const RefDavisSplit davis = read_ref_davis(root, split);
        hashed(root / "DAVIS/davis_semantics.json");
        hashed(root / "DAVIS/ImageSets/2017" / (split == "train" ? "train.txt" : "val.txt"));
        for (const char* f : ref_davis_text_files()) hashed(root / "davis_text_annotations" / f);
        for (const auto& ev : davis.expressions.videos) {
            SourceVideo v;
            v.name = ev.name;
            v.frames = ev.frames;
            for (const auto& o : davis.meta.find(ev.name)->objects) v.objects.push_back({o.id, o.category});
            for (const auto& e : ev.expressions)
                v.expressions.push_back({e.id, e.text, {e.obj_id}, ojson{{"exp", e.text}, {"obj_id", e.obj_id}}});
            tree.videos.push_back(std::move(v));
        }
        tree.frames_dir = root / "DAVIS/JPEGImages/480p";
    }

    const fs::path supers = !super_categories_file.empty() ? super_categories_file : root / "synth_stats.json";
    if (fs::exists(supers)) {
        const ojson j = parse_json(hashed(supers), supers);
        // Either {category: super} or synth_stats.json's {"categories": {category: {"super_category": …}}}.
        if (j.contains("categories") && j["categories"].is_object()) {
            for (const auto& [c, info] : j["categories"].items())
                if (info.is_object() && info.contains("super_category")) tree.super_category[c] = info["super_category"];
        } else if (j.is_object()) {
            for (const auto& [c, s] : j.items())
                if (s.is_string()) tree.super_category[c] = s.get<std::string>();
        }
    } else if (!super_categories_file.empty()) {
        throw FileError(super_categories_file, "not found");
    }
    tree.metadata_sha256 = hash.hex();
    return tree;
}

}  // namespace r2
