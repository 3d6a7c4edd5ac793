// Submission zips (reports/submission.cpp): every entry is checked (zip slip, links, duplicates,
// bombs) before anything is extracted. Each input is extracted into a fresh scratch folder; small
// limits keep a run quick.
#include <system_error>

#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "reports/submission.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace fs = std::filesystem;
    const fs::path zip = r2::fuzz::scratch_file("submission.zip", data, size);
    const fs::path into = r2::fuzz::scratch() / "extracted";
    std::error_code ec;
    fs::remove_all(into, ec);
    r2::ZipLimits limits;
    limits.max_entries = 1000;
    limits.max_total_bytes = 8 << 20;
    limits.max_png_bytes = 1 << 20;
    try {
        const fs::path root = r2::extract_submission_zip(zip, into, limits);
        // Nothing may land outside the extraction folder.
        const std::string base = fs::weakly_canonical(into).string();
        if (fs::weakly_canonical(root).string().rfind(base, 0) != 0) __builtin_trap();
    } catch (const r2::Error&) {
    }
    fs::remove_all(into, ec);
    return 0;
}
