#include "metrics/ref_davis_eval.h"

#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/ref_davis.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

fs::path referformer_folder(const fs::path& predictions, int annotator) {
    const std::string name = fmt::format("anno_{}", annotator);
    if (fs::is_directory(predictions / name)) return predictions / name;
    return predictions / "valid" / name;
}

// Annotator a's palette PNG of one frame, merged from the per-expression binary masks of the
// video's objects in order (exp_id 4 k + a → index k + 1); the first covering object wins.
DavisPredictionReader merged_reader(const fs::path& predictions, const MetaExpressions& expressions, int annotator,
                                    const PngLimits& limits) {
    std::map<std::string, std::vector<std::string>> exp_ids;  // video → exp ids of this annotator, object order
    for (const auto& v : expressions.videos)
        for (const auto& e : v.expressions)
            if (std::stoi(e.id) % 4 == annotator) exp_ids[v.name].push_back(e.id);
    return [predictions, exp_ids, limits](const std::string& video, const std::string& frame) -> std::optional<LabelMap> {
        const auto it = exp_ids.find(video);
        if (it == exp_ids.end() || it->second.empty()) return std::nullopt;
        std::optional<LabelMap> merged;
        for (size_t k = 0; k < it->second.size(); ++k) {
            const fs::path path = predictions / "Annotations" / video / it->second[k] / (frame + ".png");
            if (!fs::exists(path)) return std::nullopt;
            const LabelMap mask = read_prediction_png(path, limits);
            if (!merged) merged = LabelMap(mask.width, mask.height);
            if (mask.width != merged->width || mask.height != merged->height)
                throw FileError(path, fmt::format("size {}x{} differs from the other expressions' {}x{}", mask.width, mask.height,
                                                  merged->width, merged->height));
            for (size_t i = 0; i < mask.labels.size(); ++i)
                if (mask.labels[i] != 0 && merged->labels[i] == 0) merged->labels[i] = uint8_t(k + 1);
        }
        return merged;
    };
}

}  // namespace

bool has_referformer_davis_layout(const fs::path& predictions) {
    for (int a = 0; a < 4; ++a)
        if (!fs::is_directory(referformer_folder(predictions, a))) return false;
    return true;
}

RefDavisEvalResult evaluate_ref_davis(const fs::path& root, const std::string& split, DavisTask task,
                                      const fs::path& predictions, const PngLimits& limits) {
    if (split != "valid" && split != "train") throw Error(fmt::format("Ref-DAVIS split must be valid or train, not '{}'", split));
    const fs::path davis = davis_folder(root);
    const std::vector<std::string> videos = davis_sequences(davis, split == "valid" ? "val" : "train");
    RefDavisEvalResult result;
    result.task = task;
    std::optional<MetaExpressions> expressions;
    if (has_referformer_davis_layout(predictions)) {
        result.layout = RefDavisPredictionLayout::referformer;
    } else if (fs::is_directory(predictions / "Annotations")) {
        result.layout = RefDavisPredictionLayout::r2bench;
        expressions = read_ref_davis(root, split).expressions;
    } else {
        throw FileError(predictions, "not a Ref-DAVIS prediction folder: looked for anno_0..anno_3/ (ReferFormer's "
                                     "inference_davis.py), valid/anno_0..anno_3/ and Annotations/<video>/<exp_id>/ (r2bench run)");
    }
    for (int a = 0; a < 4; ++a) {
        const DavisPredictionReader read = result.layout == RefDavisPredictionLayout::referformer
                                               ? davis_folder_reader(referformer_folder(predictions, a), limits)
                                               : merged_reader(predictions, *expressions, a, limits);
        try {
            result.annotators[size_t(a)] = evaluate_davis(davis, videos, task, read);
        } catch (const FileError&) {
            throw;
        } catch (const Error& e) {
            throw Error(fmt::format("annotator {} ({}): {}", a, ref_davis_text_files()[size_t(a)], e.what()));
        }
        result.j += result.annotators[size_t(a)].j.mean / 4;
        result.f += result.annotators[size_t(a)].f.mean / 4;
    }
    result.jf = (result.j + result.f) / 2;
    return result;
}

}  // namespace r2
