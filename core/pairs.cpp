#include "core/pairs.h"

#include <set>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_depth.h"
#include "core/ytvos_meta.h"

namespace r2 {

using ojson = nlohmann::ordered_json;

R2Pairs parse_r2_pairs(const std::string& json_text, const std::string& name) {
    check_json_depth(json_text, name);
    ojson root;
    try {
        root = ojson::parse(json_text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e400
        throw FileError(name, fmt::format("invalid JSON: {}", e.what()));
    }
    if (!root.is_object() || !root.contains("schema_version") || !root.contains("pairs"))
        throw FileError(name, "not an r2_pairs.json file (needs 'schema_version' and 'pairs')");
    if (root["schema_version"] != R2Pairs::kSchemaVersion)
        throw FileError(name, fmt::format("schema_version {} is not supported (this r2bench reads {})",
                                          root["schema_version"].dump(), R2Pairs::kSchemaVersion));
    if (!root["pairs"].is_array()) throw FileError(name, "'pairs' must be an array");

    R2Pairs out;
    for (const auto& [key, value] : root.items())
        if (key != "schema_version" && key != "pairs") out.provenance[key] = value;

    std::set<std::pair<std::string, std::string>> seen;
    size_t index = 0;
    for (const auto& item : root["pairs"]) {
        const std::string where = fmt::format("pairs[{}]", index++);
        auto text = [&](const char* key, bool required) -> std::string {
            if (!item.contains(key)) {
                if (required) throw FileError(name, fmt::format("{}: missing key '{}'", where, key));
                return {};
            }
            if (!item[key].is_string() || (required && item[key].get<std::string>().empty()))
                throw FileError(name, fmt::format("{}: '{}' must be a non-empty string", where, key));
            return item[key].get<std::string>();
        };
        auto frames = [&](const char* key) {
            if (!item.contains(key) || !item[key].is_array() || item[key].empty())
                throw FileError(name, fmt::format("{}: '{}' must be a non-empty array of frame names", where, key));
            std::vector<std::string> list;
            for (const auto& f : item[key]) {
                if (!f.is_string()) throw FileError(name, fmt::format("{}: '{}' holds a non-string", where, key));
                list.push_back(f.get<std::string>());
            }
            return list;
        };
        R2Pair p;
        p.positive_video = text("positive_video", true);
        p.exp_id = text("exp_id", true);
        p.expression = text("expression", false);
        p.obj_id = text("obj_id", false);
        p.negative_video = text("negative_video", true);
        p.positive_frames = frames("positive_frames");
        p.negative_frames = frames("negative_frames");
        // The one frame-list rule of every reader (core/ytvos_meta.h), so that a list build-dataset
        // would have refused is refused here too, by run and eval alike.
        check_unique_frames(p.positive_frames, name, fmt::format("{}: video '{}' positive_frames", where, p.positive_video));
        check_unique_frames(p.negative_frames, name, fmt::format("{}: video '{}' negative_frames", where, p.negative_video));
        p.negative_source = text("negative_source", false);
        if (p.negative_source.empty()) p.negative_source = "source";
        if (p.negative_source != "source" && p.negative_source != "pool")
            throw FileError(name, fmt::format("{}: negative_source must be \"source\" or \"pool\"", where));
        if (!seen.insert({p.positive_video, p.exp_id}).second)
            throw FileError(name, fmt::format("{}: expression '{}' of video '{}' appears twice", where, p.exp_id,
                                              p.positive_video));
        out.pairs.push_back(std::move(p));
    }
    return out;
}

R2Pairs read_r2_pairs(const std::filesystem::path& path) { return parse_r2_pairs(read_file(path), path.string()); }

std::string r2_pairs_to_json(const R2Pairs& pairs) {
    ojson root{{"schema_version", R2Pairs::kSchemaVersion}};
    for (const auto& [key, value] : pairs.provenance.items()) root[key] = value;
    ojson list = ojson::array();
    for (const auto& p : pairs.pairs) {
        ojson item{{"positive_video", p.positive_video}, {"exp_id", p.exp_id}, {"expression", p.expression}};
        if (!p.obj_id.empty()) item["obj_id"] = p.obj_id;
        item["negative_video"] = p.negative_video;
        if (p.negative_source == "pool") item["negative_source"] = "pool";
        item["positive_frames"] = p.positive_frames;
        item["negative_frames"] = p.negative_frames;
        list.push_back(std::move(item));
    }
    root["pairs"] = std::move(list);
    return root.dump(1) + "\n";
}

void write_r2_pairs(const std::filesystem::path& path, const R2Pairs& pairs) {
    write_file_atomically(path, r2_pairs_to_json(pairs));
}

}  // namespace r2
