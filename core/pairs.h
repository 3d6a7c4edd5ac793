// The R²-Youtube-VOS pair list, `r2_pairs.json`: every expression with its positive video and
// the negative (unrelated) video it is paired with. `r2bench build-dataset` writes it;
// `r2bench eval --pairs` reads it to know which predictions make up the submission.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace r2 {

struct R2Pair {
    std::string positive_video;
    std::string exp_id;
    std::string expression;  // the expression text
    std::string obj_id;      // empty when the source has none
    std::string negative_video;
    std::vector<std::string> positive_frames;
    std::vector<std::string> negative_frames;
    std::string negative_source = "source";  // or "pool" (from --negative-pool)
};

struct R2Pairs {
    static constexpr int kSchemaVersion = 1;
    // Everything about how the set was made (seed, source, rules, …), kept as written.
    nlohmann::ordered_json provenance = nlohmann::ordered_json::object();
    std::vector<R2Pair> pairs;
};

// Validates the schema version and every entry (non-empty names, frame lists, no duplicate
// (positive_video, exp_id)); throws FileError naming the file and the entry.
R2Pairs read_r2_pairs(const std::filesystem::path& path);
R2Pairs parse_r2_pairs(const std::string& json_text, const std::string& name);
std::string r2_pairs_to_json(const R2Pairs& pairs);
void write_r2_pairs(const std::filesystem::path& path, const R2Pairs& pairs);

}  // namespace r2
