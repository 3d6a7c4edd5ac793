// Zips a submission folder (Annotations/, Negatives/, run.json, scores.json …) as a team would
// before uploading it: `bench serve` and the tests make their uploads with it.
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace r2::server {

// Every file below `folder` (hidden ones skipped), stored uncompressed (PNGs are compressed
// already), plus `extra` (name, bytes) entries. Throws r2::FileError naming the zip.
void zip_folder(const std::filesystem::path& folder, const std::filesystem::path& zip,
                const std::vector<std::pair<std::string, std::string>>& extra = {});

}  // namespace r2::server
