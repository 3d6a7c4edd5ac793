#include "runners/merge.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/sha256.h"
#include "runners/run_state.h"
#include "runners/shards.h"

namespace r2 {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

MergeReport merge_shards(const std::vector<fs::path>& shards, const fs::path& pairs_file, const fs::path& out) {
    if (shards.empty()) throw Error("merge: no shard folders given");
    const R2Pairs pairs = read_r2_pairs(pairs_file);
    const std::string pairs_sha = sha256_file(pairs_file);
    std::vector<ojson> runs, scores;
    std::vector<int> seen;
    int count = 0;
    ojson key0;
    for (const auto& s : shards) {
        if (!fs::exists(s / "run.json") || !fs::exists(s / "scores.json"))
            throw FileError(s, "not a finished `r2bench run` of a neural model (no run.json and scores.json)");
        ojson run = read_json_file(s / "run.json");
        const ojson key = with_json_errors(s / "run.json", [&] { return run.at("resume_key"); });
        const ShardSpec spec = parse_shard(with_json_errors(s / "run.json", [&] { return key.at("shard").get<std::string>(); }));
        if (runs.empty()) count = spec.count, key0 = key;
        if (spec.count != count)
            throw FileError(s, fmt::format("is shard {} but {} is one of {}", spec.str(), shards.front().string(), count));
        if (key["pairs_sha256"] != pairs_sha)
            throw FileError(s, fmt::format("was run on another pairs file than {}", pairs_file.string()));
        ojson a = key, b = key0;
        a.erase("shard"), b.erase("shard");
        if (a != b) throw FileError(s, fmt::format("was run differently from {}: {} vs {}", shards.front().string(), a.dump(), b.dump()));
        if (std::find(seen.begin(), seen.end(), spec.index) != seen.end())
            throw FileError(s, fmt::format("shard {} is given twice", spec.str()));
        seen.push_back(spec.index);
        runs.push_back(std::move(run));
        scores.push_back(read_json_file(s / "scores.json"));
        if (!with_json_errors(s / "scores.json", [&] { return scores.back().at("pairs").is_array(); }))
            throw FileError(s / "scores.json", "\"pairs\" is not a list");
    }
    if (int(seen.size()) != count) {
        std::string missing;
        for (int i = 0; i < count; ++i)
            if (std::find(seen.begin(), seen.end(), i) == seen.end()) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
        throw Error(fmt::format("merge: shards {} of {} are missing", missing, count));
    }

    // Every pair in exactly the shard the split gives it to, with both its folders.
    const std::vector<int> owner = assign_shards(pairs.pairs, count);
    std::map<std::pair<std::string, std::string>, const ojson*> entries;
    for (size_t k = 0; k < shards.size(); ++k) {
        const int index = parse_shard(runs[k]["resume_key"]["shard"].get<std::string>()).index;
        for (const auto& e : scores[k].at("pairs")) {
            const auto id = with_json_errors(shards[k] / "scores.json", [&] {
                return std::pair<std::string, std::string>{e.at("video").get<std::string>(), e.at("exp_id").get<std::string>()};
            });
            if (!entries.emplace(id, &e).second)
                throw FileError(shards[k], fmt::format("expression {}/{} is also in another shard", id.first, id.second));
        }
        for (size_t i = 0; i < pairs.pairs.size(); ++i) {
            if (owner[i] != index) continue;
            const R2Pair& p = pairs.pairs[i];
            if (!entries.count({p.positive_video, p.exp_id}))
                throw FileError(shards[k], fmt::format("expression {}/{} of shard {} is missing", p.positive_video, p.exp_id, index));
            for (const bool negative : {false, true})
                if (!fs::is_directory(expression_folder(shards[k], p, negative)))
                    throw FileError(expression_folder(shards[k], p, negative), "missing expression folder");
        }
    }
    if (entries.size() != pairs.pairs.size())
        throw Error(fmt::format("merge: the shards hold {} expressions, {} has {}", entries.size(), pairs_file.string(), pairs.pairs.size()));

    MergeReport report;
    report.shards = count;
    ojson merged = scores.front();
    merged["pairs"] = ojson::array();
    for (size_t i = 0; i < pairs.pairs.size(); ++i) {
        const R2Pair& p = pairs.pairs[i];
        merged["pairs"].push_back(*entries.at({p.positive_video, p.exp_id}));
        const fs::path& from = shards[size_t(std::find(seen.begin(), seen.end(), owner[i]) - seen.begin())];
        for (const bool negative : {false, true}) {
            fs::create_directories(expression_folder(out, p, negative));
            fs::copy(expression_folder(from, p, negative), expression_folder(out, p, negative), fs::copy_options::recursive);
        }
        ++report.pairs;
    }
    write_file_atomically(out / "scores.json", json_text(merged));

    // run.json: the first shard's description, the shards' figures summed, each shard's kept.
    ojson run = runs.front();
    double model_seconds = 0, seconds = 0;
    int64_t frames = 0, clip_frames = 0;
    ojson list = ojson::array();
    std::vector<size_t> order(runs.size());
    for (size_t k = 0; k < runs.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seen[a] < seen[b]; });
    for (const size_t k : order) {
        const ojson& r = runs[k];
        frames += r["frames"].get<int64_t>();
        clip_frames += r["clip_frames"].get<int64_t>();
        model_seconds += r["model_seconds"].get<double>();
        seconds += r["end_to_end_seconds"].get<double>();
        list.push_back({{"shard", r["resume_key"]["shard"]}, {"folder", shards[k].string()}, {"device", r["device"]},
                        {"threads", r["threads"]}, {"frames", r["frames"]}, {"model_seconds", r["model_seconds"]},
                        {"end_to_end_seconds", r["end_to_end_seconds"]}, {"peak_rss_mb", r["peak_rss_mb"]}});
    }
    report.frames = frames;
    run["shard"] = {{"index", 0}, {"count", 1}};
    run["pairs"]["selected"] = report.pairs;
    run["frames"] = frames;
    run["clip_frames"] = clip_frames;
    run["model_seconds"] = model_seconds;  // summed over shards: per-process throughput below
    run["end_to_end_seconds"] = seconds;
    run["model_frames_per_second"] = model_seconds > 0 ? frames / model_seconds : 0.0;
    run["end_to_end_frames_per_second"] = seconds > 0 ? frames / seconds : 0.0;
    run["merged_shards"] = list;
    run["resume_key"]["shard"] = "0/1";
    write_file_atomically(out / "run.json", json_text(run));
    return report;
}

}  // namespace r2
