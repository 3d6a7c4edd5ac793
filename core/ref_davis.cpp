#include "core/ref_davis.h"

#include <algorithm>
#include <climits>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2 {
namespace fs = std::filesystem;

const std::array<const char*, 4>& ref_davis_text_files() {
    static const std::array<const char*, 4> files = {"Davis17_annot1.txt", "Davis17_annot1_full_video.txt",
                                                     "Davis17_annot2.txt", "Davis17_annot2_full_video.txt"};
    return files;
}

bool is_valid_utf8(std::string_view bytes) {
    // ICU's strict decoder refuses what hand-written checks tend to let through: overlong forms,
    // surrogates (ED A0..BF) and code points above U+10FFFF. Each byte yields at most one UTF-16 unit.
    if (bytes.size() > size_t(INT32_MAX)) return false;
    std::vector<UChar> units(bytes.size() + 1);
    int32_t length = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(units.data(), int32_t(units.size()), &length, bytes.data(), int32_t(bytes.size()), &status);
    return U_SUCCESS(status);
}

std::string to_utf8(const std::string& bytes) {
    if (is_valid_utf8(bytes)) return bytes;
    // Latin-1 maps every byte to the code point of the same value, so this conversion cannot fail.
    const icu::UnicodeString text(bytes.data(), int32_t(bytes.size()), "ISO-8859-1");
    std::string out;
    text.toUTF8String(out);
    return out;
}

namespace {

std::vector<std::string> read_lines(const fs::path& path) {
    std::istringstream in(read_file(path));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

std::vector<std::string> sorted_stems(const fs::path& dir, const std::string& extension) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == extension) names.push_back(it->path().stem().string());
    if (ec) throw FileError(dir, "cannot list folder: " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

RefDavisSplit read_ref_davis(const fs::path& root, const std::string& split) {
    if (split != "train" && split != "valid") throw Error(fmt::format("Ref-DAVIS split must be train or valid, not '{}'", split));
    const fs::path davis = root / "DAVIS";
    const fs::path list = davis / "ImageSets/2017" / (split == "train" ? "train.txt" : "val.txt");
    const std::vector<std::string> videos = read_lines(list);

    const fs::path semantics_path = davis / "davis_semantics.json";
    nlohmann::json semantics;
    try {
        semantics = nlohmann::json::parse(read_file(semantics_path));
    } catch (const nlohmann::json::exception& e) {
        throw FileError(semantics_path, fmt::format("invalid JSON: {}", e.what()));
    }

    // expressions[file][video] = [(obj_id, text)] in file order, then stably sorted by obj_id.
    std::array<std::map<std::string, std::vector<std::pair<std::string, std::string>>>, 4> by_file;
    for (size_t f = 0; f < 4; ++f) {
        const fs::path path = root / "davis_text_annotations" / ref_davis_text_files()[f];
        size_t line_number = 0;
        for (const std::string& raw : read_lines(path)) {
            ++line_number;
            const std::string line = to_utf8(raw);
            const size_t first = line.find(' '), second = first == std::string::npos ? first : line.find(' ', first + 1);
            const size_t open = line.find('"'), close = line.rfind('"');
            if (second == std::string::npos || open == std::string::npos || close <= open)
                throw FileError(path, fmt::format("line {}: expected: video obj_id \"expression\"", line_number));
            std::string video = line.substr(0, first);
            // Known misspellings in the released files.
            if (video == "clasic-car") video = "classic-car";
            if (video == "dog-scale") video = "dogs-scale";
            if (video == "motor-bike") video = "motorbike";
            by_file[f][video].emplace_back(line.substr(first + 1, second - first - 1), line.substr(open + 1, close - open - 1));
        }
        for (auto& [video, items] : by_file[f])
            std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    }

    RefDavisSplit out;
    for (const std::string& video : videos) {
        MetaVideo mv{video, {}};
        if (!semantics.contains(video) || !semantics[video].is_object())
            throw FileError(semantics_path, fmt::format("video '{}' has no categories", video));
        for (const auto& [id, category] : semantics[video].items()) {
            if (!category.is_string()) throw FileError(semantics_path, fmt::format("video '{}' object '{}': category must be a string", video, id));
            mv.objects.push_back({id, category.get<std::string>(), {}});
        }
        std::sort(mv.objects.begin(), mv.objects.end(), [](const MetaObject& a, const MetaObject& b) { return natural_less(a.id, b.id); });
        out.meta.videos.push_back(std::move(mv));

        ExpressionVideo ev;
        ev.name = video;
        ev.frames = sorted_stems(davis / "JPEGImages/480p" / video, ".jpg");
        if (ev.frames.empty()) throw FileError(davis / "JPEGImages/480p" / video, "no frames");
        size_t count = SIZE_MAX;
        for (size_t f = 0; f < 4; ++f) count = std::min(count, by_file[f].count(video) ? by_file[f][video].size() : 0);
        int exp_id = 0;
        for (size_t k = 0; k < count; ++k)
            for (size_t f = 0; f < 4; ++f) {
                const auto& [obj_id, text] = by_file[f][video][k];
                ev.expressions.push_back({std::to_string(exp_id++), text, obj_id});
            }
        out.expressions.videos.push_back(std::move(ev));
    }
    return out;
}

}  // namespace r2
