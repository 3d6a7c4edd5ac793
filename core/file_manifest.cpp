#include "core/file_manifest.h"

#include <algorithm>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "core/error.h"
#include "core/sha256.h"

namespace r2 {
namespace fs = std::filesystem;

std::vector<ManifestEntry> file_manifest(const fs::path& root) {
    if (!fs::is_directory(root)) throw FileError(root, "not a folder");
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink, ec), end; it != end;
         it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file()) files.push_back(it->path());
    }
    if (ec) throw FileError(root, "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());

    std::vector<ManifestEntry> entries(files.size());
    // Each task writes its own slot: the order (and so the hash) is the sorted order whatever the threads.
    tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
        // The iterator's paths start with `root`: cut it off as text (fs::relative resolves every
        // component of both paths on the file system, a dozen system calls per file).
        entries[i].path = files[i].lexically_relative(root).generic_string();
        std::error_code size_error;
        entries[i].size = fs::file_size(files[i], size_error);
        if (size_error) throw FileError(files[i], "cannot read its size: " + size_error.message());
        entries[i].sha256 = sha256_file(files[i]);
    });
    return entries;
}

std::string manifest_hash(const std::vector<ManifestEntry>& entries) {
    Sha256 h;
    // A path cannot hold '\0' and the size and hash have fixed forms, so no two manifests share a text.
    for (const auto& e : entries) h.update(e.path).update(std::string(1, '\0')).update(fmt::format("{}\n{}\n", e.size, e.sha256));
    return h.hex();
}

std::string tree_hash(const fs::path& root) { return manifest_hash(file_manifest(root)); }

}  // namespace r2
