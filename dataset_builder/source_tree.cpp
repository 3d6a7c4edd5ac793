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

// meta_expressions.json as Ref-YouTube-VOS (obj_id a string) or MeViS (obj_id a list) write it,
// read by the one reader eval uses too (frame-list rule included).
std::vector<SourceVideo> parse_expression_file(const std::string& text, const fs::path& path) {
    MetaExpressions meta = parse_meta_expressions(text, path.string());
    std::vector<SourceVideo> videos;
    for (auto& v : meta.videos) {
        SourceVideo video;
        video.name = std::move(v.name);
        video.frames = std::move(v.frames);
        video.expressions = std::move(v.expressions);
        video.extra = std::move(v.extra);
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
        const fs::path expressions = expressions_path(root, format, split);
        if (!fs::exists(expressions)) {
            const auto found = detect_source_format(root);
            throw FileError(expressions, found && *found != format
                                             ? fmt::format("not found: {} looks like a {} tree; pass --format {}", root.string(),
                                                           source_format_name(*found), source_format_name(*found))
                                             : std::string("not found (is --format right?)"));
        }
        tree.videos = parse_expression_file(hashed(expressions), expressions);
        tree.frames_dir = frames_folder(root, format, split);
        const fs::path meta_path = root / split / "meta.json";
        if (format == SourceFormat::ref_youtube_vos && fs::exists(meta_path)) {
            const VideoMeta meta = parse_video_meta(hashed(meta_path), meta_path.string());
            for (auto& v : tree.videos) {
                const MetaVideo* mv = meta.find(v.name);
                if (!mv) throw FileError(meta_path, fmt::format("video '{}' of the expressions is missing", v.name));
                for (const auto& o : mv->objects) v.objects.push_back({o.id, o.category});
                for (const auto& e : v.expressions)
                    for (const auto& id : object_ids(e))
                        if (!v.find_object(id))
                            throw FileError(expressions, fmt::format("video '{}' expression '{}': unknown object id '{}'",
                                                                     v.name, e.id, id));
            }
        }
    } else {
        const RefDavisSplit davis = read_ref_davis(root, split);
        hashed(root / "DAVIS/davis_semantics.json");
        hashed(root / "DAVIS/ImageSets/2017" / (split == "train" ? "train.txt" : "val.txt"));
        for (const char* f : ref_davis_text_files()) hashed(expressions_path(root, format, split) / f);
        for (const auto& ev : davis.expressions.videos) {
            SourceVideo v;
            v.name = ev.name;
            v.frames = ev.frames;
            for (const auto& o : davis.meta.find(ev.name)->objects) v.objects.push_back({o.id, o.category});
            for (const auto& e : ev.expressions)
                v.expressions.push_back({e.id, e.text, e.obj_id, ojson{{"exp", e.text}, {"obj_id", e.obj_id}}});
            tree.videos.push_back(std::move(v));
        }
        tree.frames_dir = frames_folder(root, format, split);
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
