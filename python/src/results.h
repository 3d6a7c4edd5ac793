// What the evaluator computed, as Python values: plain dicts, lists, floats and numpy arrays
// (None where a metric is not computed or not reported, as null in summary.json).
#pragma once
#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

#include "metrics/evaluation.h"
#include "reports/per_frame_h5.h"

namespace r2::python {

// {"J", "F", "J&F", "R", "J&F&R", "J_recall", "J_decay", "F_recall", "F_decay", "counts", "complete",
//  "pixels", "notes", "per_expression": [row…], "per_video": [row…]}; the rows carry the columns
// of per_expression.csv / per_video.csv, and each expression its per-frame "J_per_frame",
// "F_per_frame" and pixel counts as numpy arrays.
pybind11::dict result_dict(const EvalResult& result);

// per_frame.h5 as numpy arrays: {"has_gt", "has_pairs", "expressions": {column: list of str},
// "positive": {"expression", "frame", "J", "F", "pixels"}, "negative": {"expression", "frame", "pixels"}}.
pybind11::dict per_frame_dict(const PerFrameTable& table);

// A JSON value as the json module would load it.
pybind11::object json_to_python(const nlohmann::ordered_json& value);

}  // namespace r2::python
