// `r2bench merge SUB_0 … SUB_n-1 --pairs r2_pairs.json --out SUB`: joins the shards of a
// `run --shard i/n` into the submission one process would have written (same bytes for the masks
// and scores.json), after checking that the shards come from one model, weights, pairs file and
// window, and are disjoint and complete.
#pragma once
#include <filesystem>
#include <vector>

namespace r2 {

struct MergeReport {
    int shards = 0;
    int64_t pairs = 0, frames = 0;
};

// Throws r2::FileError naming the shard folder and what is wrong (a missing, repeated or foreign
// shard, a pair missing from its shard or present in another).
MergeReport merge_shards(const std::vector<std::filesystem::path>& shards, const std::filesystem::path& pairs,
                         const std::filesystem::path& out);

}  // namespace r2
