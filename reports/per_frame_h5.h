// per_frame.h5: every frame's J, F and foreground pixel counts, for plots and further analysis
// (h5py reads it: h5py.File("per_frame.h5")["positive/J"][:]).
//
//   /expressions/{video, exp_id, obj_id, negative_video, text}   strings, one per expression
//   /positive/{expression, frame, J, F, pixels}                   one row per positive frame
//   /negative/{expression, frame, pixels}                         one row per negative frame
//   attributes on /: format, format_version, description, has_gt, has_pairs (0/1); on every group
//   and dataset: description, plus unit and valid_range / valid_min on the numeric datasets
// `expression` indexes /expressions; J and F are NaN where no ground truth was given.
// The bytes depend only on the table (no HDF5 timestamps, formats pinned to HDF5 1.8's), so the
// same evaluation gives the same file on any thread count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "metrics/evaluation.h"

namespace r2 {

struct PerFrameTable {
    struct Expression {
        std::string video, exp_id, obj_id, negative_video, text;
    };
    struct Positive {
        int expression = 0;
        std::string frame;
        double j = 0, f = 0;
        int64_t pixels = 0;
    };
    struct Negative {
        int expression = 0;
        std::string frame;
        int64_t pixels = 0;
    };
    bool has_gt = false, has_pairs = false;
    std::vector<Expression> expressions;
    std::vector<Positive> positive;
    std::vector<Negative> negative;
};

PerFrameTable per_frame_table(const EvalResult& result);
void write_per_frame_h5(const std::filesystem::path& path, const PerFrameTable& table);
// Checks the file before trusting it: every dataset present, one-dimensional and of its type,
// the datasets of a group equally long, indexes and values in range. FileError says what is wrong.
PerFrameTable read_per_frame_h5(const std::filesystem::path& path);

}  // namespace r2
