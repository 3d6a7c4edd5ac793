// Helpers shared by the test files: temporary folders and small mask trees.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/mask_png.h"

namespace r2::test {

// A fresh folder under the system temp dir, removed when the object goes away.
struct TempDir {
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::filesystem::path path;
    std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

// A label map from rows of characters: '.' is 0, '1'..'9' the digit.
LabelMap labels_from_rows(const std::vector<std::string>& rows);

// Every file and folder below `dir` (hidden ones too), each file with its bytes: what "the earlier
// output is exactly as it was" compares.
std::map<std::string, std::string> tree_snapshot(const std::filesystem::path& dir);

// Runs a shell command, returns its exit status; stdout+stderr go to `output`.
int run_command(const std::string& command, std::string* output = nullptr);

// Whether the r2bench under test has its libtorch commands: r2bench-models beside it (a build
// without libtorch has none, and r2bench then refuses `run` with a neural model, `train`, …).
bool models_executable_beside(const std::string& r2bench_binary);

}  // namespace r2::test
