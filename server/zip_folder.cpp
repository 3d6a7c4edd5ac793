#include "server/zip_folder.h"

#include <zip.h>

#include <algorithm>

#include "core/error.h"

namespace r2::server {
namespace fs = std::filesystem;

void zip_folder(const fs::path& folder, const fs::path& zip, const std::vector<std::pair<std::string, std::string>>& extra) {
    int error = 0;
    zip_t* z = zip_open(zip.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!z) throw FileError(zip, "cannot create the zip");
    auto fail = [&](const std::string& what) {
        const std::string message = what + ": " + zip_strerror(z);
        zip_discard(z);
        throw FileError(zip, message);
    };
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(folder)) {
        const fs::path rel = fs::relative(e.path(), folder);
        if (rel.filename().string()[0] == '.') continue;
        if (e.is_regular_file()) files.push_back(rel);
    }
    std::sort(files.begin(), files.end());
    for (const auto& rel : files) {
        zip_source_t* src = zip_source_file(z, (folder / rel).c_str(), 0, -1);
        if (!src) fail("cannot read " + (folder / rel).string());
        const zip_int64_t index = zip_file_add(z, rel.generic_string().c_str(), src, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(src);
            fail("cannot add " + rel.string());
        }
        zip_set_file_compression(z, zip_uint64_t(index), ZIP_CM_STORE, 0);
    }
    // zip_source_buffer does not copy: the bytes live in `extra` until zip_close.
    for (const auto& [name, bytes] : extra) {
        zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
        if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) fail("cannot add " + name);
    }
    if (zip_close(z) != 0) fail("cannot write");
}

}  // namespace r2::server
