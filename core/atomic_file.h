// Outputs are written to a temporary file beside the target, flushed to the disk (fsync) and renamed
// into place, so a crash, an error or a power cut never leaves a half-written or empty file under the
// final name.
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

// fsync: of a file's data, or of a folder's entries (so that a rename or a new file inside it
// survives a crash). Throws FileError when the path cannot be opened.
void sync_path(const std::filesystem::path& path);
// Every file and folder below `root`, then `root` itself: before the rename that publishes it.
void sync_tree(const std::filesystem::path& root);

// Reads a whole file; throws FileError when it cannot.
std::string read_file(const std::filesystem::path& path);

}  // namespace r2
