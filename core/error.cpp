#include "core/error.h"

namespace r2 {

FileError::FileError(const std::filesystem::path& file, const std::string& problem)
    : Error(file.string() + ": " + problem), file_(file), problem_(problem) {}

}  // namespace r2
