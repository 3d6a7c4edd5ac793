// JSON files r2bench reads back (its own run.json, scores.json, train.json, summary.json, caches)
// and users' JSON files: a truncated or malformed file, a missing key or a value of the wrong type
// is an r2::FileError naming the file (exit 2), never an "unexpected error" (exit 3).
#pragma once
#include <filesystem>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace r2 {

// Parses the whole file. Throws FileError when it cannot be read or is not JSON.
nlohmann::ordered_json read_json_file(const std::filesystem::path& path);

// Runs `read` (which walks a document read from `path` with .at(), .get<T>() and the like) and
// turns nlohmann's exceptions into FileError(path, "unexpected content: …").
template <typename Read>
auto with_json_errors(const std::filesystem::path& path, Read&& read) -> decltype(read()) {
    try {
        return std::forward<Read>(read)();
    } catch (const nlohmann::json::exception& e) {
        throw FileError(path, std::string("unexpected content (damaged, or written by another program?): ") + e.what());
    }
}

}  // namespace r2
