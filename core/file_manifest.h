// What a folder tree holds, as content: every regular file's relative path, size and SHA-256.
// Cache keys are built from it (the leaderboard keys each result on the ground truth's
// annotation files and on a folder submission's files), so an edited file changes the key
// while a moved or re-copied tree with the same bytes keeps it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace r2 {

struct ManifestEntry {
    std::string path;  // relative to the root, '/'-separated
    uintmax_t size = 0;
    std::string sha256;
};

// Every regular file under `root` (links are followed as the readers follow them), sorted by
// path. Files are hashed in parallel; the result does not depend on the thread count. Throws
// FileError when `root` is not a folder or a file cannot be read.
std::vector<ManifestEntry> file_manifest(const std::filesystem::path& root);

// One SHA-256 over the entries in order (path, size and hash of each, unambiguously separated).
std::string manifest_hash(const std::vector<ManifestEntry>& entries);

// manifest_hash(file_manifest(root)).
std::string tree_hash(const std::filesystem::path& root);

}  // namespace r2
