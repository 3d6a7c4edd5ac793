// Mean, recall and decay of a per-frame series, as davis2017-evaluation's db_statistics.
#pragma once
#include <vector>

namespace r2 {

struct SeriesStats {
    double mean = 0;    // mean over frames
    double recall = 0;  // fraction of frames with value > 0.5
    double decay = 0;   // mean of the first temporal quarter minus mean of the last
};

// The four bins follow DAVIS exactly: ids = round(linspace(1, n, 5) + 1e-10) - 1, bin i is
// values[ids[i] .. ids[i+1]] inclusive (neighbouring bins share their edge frame).
// One difference, on purpose: DAVIS casts ids to uint8, which wraps for videos of more than
// 256 frames; we keep the intended indices. An empty series gives all zeros.
SeriesStats series_stats(const std::vector<double>& per_frame);

// The decay bin edges for n frames (exposed for tests).
std::vector<int> decay_bin_edges(int n);

}  // namespace r2
