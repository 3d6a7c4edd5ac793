// `run --shard i/n`: which pairs a shard runs. Pairs are grouped by positive video (all
// expressions of a video share its negative video, so one group needs exactly two clips), and the
// groups are dealt to shards largest first, each to the least loaded shard (ties: lowest index),
// the load being the frames a group's expressions are run on. Deterministic: it depends only on the
// pairs file, so every array task computes the same split and `merge` can check it.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/pairs.h"

namespace r2 {

struct ShardSpec {
    int index = 0, count = 1;  // shard `index` of `count` (0-based)
    bool whole() const { return count == 1; }
    std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Parses "i/n" with 0 ≤ i < n; throws r2::Error saying what is wrong.
ShardSpec parse_shard(const std::string& text);

// For every pair of `pairs`, the shard that runs it.
std::vector<int> assign_shards(const std::vector<R2Pair>& pairs, int count);

// The indices (into `pairs`, in file order) of the pairs shard `spec` runs.
std::vector<size_t> shard_pairs(const std::vector<R2Pair>& pairs, const ShardSpec& spec);

}  // namespace r2
