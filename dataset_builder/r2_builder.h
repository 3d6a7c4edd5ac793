// The R²-Youtube-VOS builder: pairs every expression of a referring-VOS split with its positive
// video and one unrelated negative video. The videos are matched by a permutation π (π(v) ≠ v,
// each video the negative of exactly one video; with a negative pool, pool videos may stand in,
// each at most once), chosen at random among valid ones by the project's portable RNG: a shuffled
// greedy pass, then repaired with augmenting paths (Kuhn), so it never fails when a solution exists.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/pairs.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/text_rules.h"

namespace r2 {

// Which unrelatedness rules hold between a video v and its negative n (data/README.md words them).
struct R2Rules {
    bool referred_category = true;  // n has no object of a category an expression of v refers to
    bool lexical = true;            // no content word of v's expressions names a category of n or a head noun of n's expressions
    bool strict = false;            // v and n share no category, and no super-category where defined
};

struct R2BuildOptions {
    uint64_t seed = 0;
    R2Rules rules;
    const SynonymTable* synonyms = nullptr;  // default_synonyms() when null
};

// The built set: the pairs file, the stats, and the negative meta_expressions.json.
struct R2Build {
    R2Pairs pairs;
    nlohmann::ordered_json stats;
    std::string negative_meta_json;  // keyed by negative video, in the source's format
    int pool_videos_used = 0;
};

// Thrown when no valid assignment exists: names the videos that cannot all be matched (a set
// violating Hall's condition) and which relaxation of the rules would make the set feasible.
class InfeasibleError : public Error {
public:
    using Error::Error;
};

R2Build build_r2(const SourceTree& source, const SourceTree* pool, const R2BuildOptions& options);

// Writes r2_pairs.json, r2_stats.json and meta_expressions.json into `out` (atomically each).
// With link_frames, also lays out <out>/<split>/JPEGImages/<video> (hard links, or symlinks when
// `symlinks`) and <out>/meta_expressions/<split>/meta_expressions.json: a complete tree the
// official inference scripts run on unchanged.
void write_r2(const std::filesystem::path& out, const R2Build& build, const SourceTree& source, const SourceTree* pool,
              bool link_frames, bool symlinks);

// Rechecks a built set against its source: every expression once, every video a negative
// exactly once (pool videos at most once), no self pairs, every recorded rule holds, hashes
// and the negative meta file match. Returns the violations (empty: valid).
std::vector<std::string> verify_r2(const std::filesystem::path& out, const SourceTree& source, const SourceTree* pool,
                                   const SynonymTable& synonyms);

// The compatibility test itself (exposed for tests): is `negative` an allowed negative for `video`?
bool r2_compatible(const SourceVideo& video, const SourceVideo& negative, const SourceTree& video_tree,
                   const SourceTree& negative_tree, const R2Rules& rules, const SynonymTable& synonyms);

}  // namespace r2
