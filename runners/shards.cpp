#include "runners/shards.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include <fmt/format.h>

#include "core/error.h"

namespace r2 {

ShardSpec parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    auto number = [&](const std::string& s) {
        if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
            throw Error(fmt::format("--shard {}: expected i/n with 0 ≤ i < n (e.g. 0/4)", text));
        return std::stoi(s);
    };
    if (slash == std::string::npos) throw Error(fmt::format("--shard {}: expected i/n with 0 ≤ i < n (e.g. 0/4)", text));
    ShardSpec spec{number(text.substr(0, slash)), number(text.substr(slash + 1))};
    if (spec.count < 1 || spec.index >= spec.count)
        throw Error(fmt::format("--shard {}: the index must be 0 to n-1 and n at least 1", text));
    return spec;
}

std::vector<int> assign_shards(const std::vector<R2Pair>& pairs, int count) {
    struct Group {
        std::string video;
        int64_t frames = 0;
        std::vector<size_t> members;
    };
    std::vector<Group> groups;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const auto [it, added] = index.emplace(pairs[i].positive_video, groups.size());
        if (added) groups.push_back({pairs[i].positive_video, 0, {}});
        Group& g = groups[it->second];
        g.frames += int64_t(pairs[i].positive_frames.size() + pairs[i].negative_frames.size());
        g.members.push_back(i);
    }
    // Largest first; equal loads keep the file's order (stable), so the split is reproducible.
    std::vector<size_t> order(groups.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a].frames > groups[b].frames; });
    std::vector<int64_t> load(size_t(std::max(count, 1)), 0);
    std::vector<int> shard(pairs.size(), 0);
    for (const size_t g : order) {
        const size_t s = size_t(std::min_element(load.begin(), load.end()) - load.begin());
        load[s] += groups[g].frames;
        for (const size_t m : groups[g].members) shard[m] = int(s);
    }
    return shard;
}

std::vector<size_t> shard_pairs(const std::vector<R2Pair>& pairs, const ShardSpec& spec) {
    const std::vector<int> shard = assign_shards(pairs, spec.count);
    std::vector<size_t> mine;
    for (size_t i = 0; i < pairs.size(); ++i)
        if (shard[i] == spec.index) mine.push_back(i);
    return mine;
}

}  // namespace r2
