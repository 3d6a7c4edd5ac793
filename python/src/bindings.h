// The parts of the r2bench module (module.cpp puts them together) and what they share.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include <pybind11/pybind11.h>

namespace r2::python {

void bind_metrics(pybind11::module_& m);    // frame_metrics
void bind_evaluator(pybind11::module_& m);  // Evaluator, Side
void bind_files(pybind11::module_& m);      // evaluate, build_dataset, read_per_frame

// The split to read: `split` when given, else the one `pairs` was built on, else "valid"; an
// r2::Error (as the CLI's) when `split` contradicts the pairs file.
std::string resolve_split(const std::optional<std::string>& split, const std::filesystem::path& pairs);

}  // namespace r2::python
