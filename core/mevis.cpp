#include "core/mevis.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_depth.h"

namespace r2 {

MevisMaskDict parse_mevis_mask_dict(const std::string& text, const std::string& name) {
    check_json_depth(text, name);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw FileError(name, fmt::format("invalid JSON: {}", e.what()));
    }
    if (!j.is_object()) throw FileError(name, "expected an object {anno_id: [per-frame RLE or null]}");
    MevisMaskDict dict;
    for (const auto& [anno_id, frames] : j.items()) {
        if (!frames.is_array()) throw FileError(name, fmt::format("anno_id '{}': expected a list of per-frame masks", anno_id));
        auto& out = dict.annotations[anno_id];
        out.reserve(frames.size());
        for (size_t t = 0; t < frames.size(); ++t) {
            if (frames[t].is_null()) {
                out.emplace_back();
                continue;
            }
            try {
                out.emplace_back(parse_coco_rle(frames[t], fmt::format("anno_id '{}' frame {}", anno_id, t)));
            } catch (const FileError&) {
                throw;
            } catch (const Error& e) {
                throw FileError(name, e.what());
            }
        }
    }
    return dict;
}

MevisMaskDict read_mevis_mask_dict(const std::filesystem::path& path) {
    return parse_mevis_mask_dict(read_file(path), path.string());
}

std::vector<std::string> mevis_anno_ids(const Expression& e) {
    std::vector<std::string> ids;
    if (!e.raw.is_object() || !e.raw.contains("anno_id")) return ids;
    const auto& a = e.raw["anno_id"];
    auto text = [](const nlohmann::ordered_json& v) {
        return v.is_string() ? v.get<std::string>() : v.is_number_integer() ? std::to_string(v.get<long long>()) : std::string();
    };
    if (a.is_array())
        for (const auto& v : a) ids.push_back(text(v));
    else
        ids.push_back(text(a));
    return ids;
}

std::optional<LabelMap> mevis_union_mask(const MevisMaskDict& dict, const std::vector<std::string>& anno_ids,
                                         size_t frame_index, const std::string& where) {
    std::optional<LabelMap> out;
    for (const std::string& id : anno_ids) {
        const auto it = dict.annotations.find(id);
        if (it == dict.annotations.end()) throw Error(fmt::format("{}: anno_id '{}' is not in mask_dict.json", where, id));
        if (frame_index >= it->second.size())
            throw Error(fmt::format("{}: anno_id '{}' has masks for {} frames; frame {} is needed", where, id, it->second.size(),
                                    frame_index));
        const auto& rle = it->second[frame_index];
        if (!rle) continue;
        const LabelMap mask = decode_coco_rle(*rle);
        if (!out) {
            out = mask;
            continue;
        }
        if (mask.width != out->width || mask.height != out->height)
            throw Error(fmt::format("{}: anno_id '{}' is {}x{} in frame {}, another object {}x{}", where, id, mask.width, mask.height,
                                    frame_index, out->width, out->height));
        for (size_t i = 0; i < mask.labels.size(); ++i) out->labels[i] |= mask.labels[i];
    }
    return out;
}

}  // namespace r2
