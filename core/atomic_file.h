// Outputs are written to a temporary file beside the target and renamed into place,
// so a crash or an error never leaves a half-written file under the final name.
#pragma once
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace r2 {

// Writes `bytes` to `path` atomically, creating parent directories.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Streams into a temporary file through `write`, then renames it to `path`.
// If `write` throws, the temporary file is removed and the exception propagates.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

// Reads a whole file; throws FileError when it cannot.
std::string read_file(const std::filesystem::path& path);

}  // namespace r2
