#include "reports/submission.h"

#include "core/dataset_layout.h"
#include "reports/ref_davis_report.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <zip.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_manifest.h"
#include "core/sha256.h"
#include "reports/eval_report.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

struct Zip {
    zip_t* z = nullptr;
    ~Zip() {
        if (z) zip_discard(z);
    }
};

std::string list(const std::vector<std::string>& items, size_t max = 10) {
    std::string s;
    for (size_t i = 0; i < items.size() && i < max; ++i) s += "\n  " + items[i];
    if (items.size() > max) s += fmt::format("\n  … and {} more", items.size() - max);
    return s;
}

// Files that zip tools and file browsers add on their own; a submission is not refused for them.
bool is_os_junk(const fs::path& p) {
    for (const auto& part : p)
        if (part == "__MACOSX") return true;
    const std::string name = p.filename().string();
    return name == ".DS_Store" || name == "Thumbs.db" || name == "desktop.ini" || name.rfind("._", 0) == 0 ||
           name == ".r2bench-output.json";
}

// A run folder zipped whole brings the run's own files: scores.json (the alignment scores that eval
// turns into AUROC) and run.json (what was run). Accepted at the submission's top only.
bool is_run_file(const fs::path& p) {
    const std::string name = p.filename().string();
    return (name == "scores.json" || name == "run.json") && std::distance(p.begin(), p.end()) <= 2;
}

}  // namespace

fs::path extract_submission_zip(const fs::path& zip_path, const fs::path& into, const ZipLimits& limits) {
    int error = 0;
    Zip zip{zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error)};
    if (!zip.z) {
        zip_error_t e;
        zip_error_init_with_code(&e, error);
        const std::string message = zip_error_strerror(&e);
        zip_error_fini(&e);
        throw FileError(zip_path, "not a readable zip file: " + message);
    }
    const zip_int64_t n = zip_get_num_entries(zip.z, 0);
    if (n > limits.max_entries)
        throw FileError(zip_path, fmt::format("{} entries, over the limit of {}", n, limits.max_entries));

    // First pass: check every entry; nothing is written before all of them pass.
    struct Entry {
        zip_uint64_t index;
        std::string name;
        zip_uint64_t size;
    };
    std::vector<Entry> files, run_files;
    std::vector<std::string> unsafe, links, not_png, duplicates, too_big;
    std::set<std::string> seen;
    uint64_t total = 0;
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        if (zip_stat_index(zip.z, zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
            throw FileError(zip_path, fmt::format("entry {} cannot be read", i));
        std::string name = st.name;
        std::replace(name.begin(), name.end(), '\\', '/');
        const fs::path p(name);
        bool bad = name.empty() || name[0] == '/' || (name.size() > 1 && name[1] == ':');
        for (const auto& part : p)
            if (part == "..") bad = true;
        if (bad) {
            unsafe.push_back(st.name);
            continue;
        }
        zip_uint8_t opsys = 0;
        zip_uint32_t attributes = 0;
        if (zip_file_get_external_attributes(zip.z, zip_uint64_t(i), 0, &opsys, &attributes) == 0 &&
            opsys == ZIP_OPSYS_UNIX && ((attributes >> 16) & S_IFMT) == S_IFLNK) {
            links.push_back(name);
            continue;
        }
        if (name.back() == '/') continue;  // a folder
        if (is_os_junk(p)) continue;        // __MACOSX/, .DS_Store, Thumbs.db, r2bench's own marker
        const std::string normal = p.lexically_normal().generic_string();
        if (!seen.insert(normal).second) duplicates.push_back(name);
        if (is_run_file(p)) {
            const zip_uint64_t size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
            if (int64_t(size) > limits.max_png_bytes) too_big.push_back(fmt::format("{} ({} bytes)", name, size));
            total += size;
            run_files.push_back({zip_uint64_t(i), normal, size});
            continue;
        }
        if (p.extension() != ".png" && p.extension() != ".PNG") {
            not_png.push_back(name);
            continue;
        }
        const zip_uint64_t size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        if (int64_t(size) > limits.max_png_bytes) too_big.push_back(fmt::format("{} ({} bytes)", name, size));
        total += size;
        files.push_back({zip_uint64_t(i), normal, size});
    }
    if (!unsafe.empty()) throw FileError(zip_path, "entries with absolute paths or '..' (refused: zip slip):" + list(unsafe));
    if (!links.empty()) throw FileError(zip_path, "entries that are symbolic links (refused):" + list(links));
    if (!duplicates.empty()) throw FileError(zip_path, "duplicate entries:" + list(duplicates));
    if (!not_png.empty())
        throw FileError(zip_path, fmt::format("{} entries are not PNG files (a submission holds Annotations/ and Negatives/, and "
                                              "may hold its run's scores.json and run.json):",
                                              not_png.size()) +
                                      list(not_png));
    if (!too_big.empty())
        throw FileError(zip_path, fmt::format("PNGs over the limit of {} bytes:", limits.max_png_bytes) + list(too_big));
    if (int64_t(total) > limits.max_total_bytes)
        throw FileError(zip_path, fmt::format("uncompressed total of {} bytes, over the limit of {}", total, limits.max_total_bytes));

    // Where Annotations/ is: at the top, or inside one top-level folder.
    std::string prefix;
    const bool at_top = std::any_of(files.begin(), files.end(), [](const Entry& e) {
        return e.name.rfind("Annotations/", 0) == 0 || e.name.rfind("Negatives/", 0) == 0;
    });
    if (!at_top && !files.empty()) {
        prefix = files.front().name.substr(0, files.front().name.find('/') + 1);
        for (const auto& e : files)
            if (e.name.rfind(prefix, 0) != 0 ||
                (e.name.rfind(prefix + "Annotations/", 0) != 0 && e.name.rfind(prefix + "Negatives/", 0) != 0))
                throw FileError(zip_path, fmt::format("'{}' is outside Annotations/ and Negatives/", e.name));
    }
    if (files.empty()) throw FileError(zip_path, "holds no PNG files");
    for (const auto& e : run_files) {
        if (e.name.find('/') != std::string::npos && e.name.rfind(prefix, 0) != 0)
            throw FileError(zip_path, fmt::format("'{}' is outside the submission's folder", e.name));
        if (e.name.find('/') == std::string::npos && !prefix.empty())
            throw FileError(zip_path, fmt::format("'{}' is outside the submission's folder {}", e.name, prefix));
        files.push_back(e);
    }

    // Second pass: extract, counting real bytes (declared sizes can lie).
    if (fs::exists(into)) throw FileError(into, "extraction folder already exists");
    fs::create_directories(into);
    uint64_t written = 0;
    std::vector<char> buffer(1 << 16);
    for (const auto& e : files) {
        zip_file_t* f = zip_fopen_index(zip.z, e.index, 0);
        if (!f) throw FileError(zip_path, fmt::format("cannot read entry '{}'", e.name));
        std::string bytes;
        zip_int64_t got = 0;
        while ((got = zip_fread(f, buffer.data(), buffer.size())) > 0) {
            bytes.append(buffer.data(), size_t(got));
            written += uint64_t(got);
            if (int64_t(bytes.size()) > limits.max_png_bytes || int64_t(written) > limits.max_total_bytes) {
                zip_fclose(f);
                throw FileError(zip_path, fmt::format("entry '{}' inflates beyond the limits (zip bomb?)", e.name));
            }
        }
        zip_fclose(f);
        if (got < 0) throw FileError(zip_path, fmt::format("entry '{}' is corrupt", e.name));
        write_file_atomically(into / e.name, bytes);
    }
    return prefix.empty() ? into : into / prefix.substr(0, prefix.size() - 1);
}

EvalResult score_submission(const fs::path& submission, const fs::path& out, const ScoreOptions& options) {
    return score_submission_with_protocol(submission, out, options).r2;
}

SubmissionScores score_submission_with_protocol(const fs::path& submission, const fs::path& out, const ScoreOptions& options) {
    if (!fs::exists(submission)) throw FileError(submission, "not found");
    fs::create_directories(out);
    const bool zipped = fs::is_regular_file(submission);
    const fs::path scratch = out / fmt::format(".submission-{}", ::getpid());
    std::error_code ec;
    fs::remove_all(scratch, ec);
    try {
        const fs::path root = zipped ? extract_submission_zip(submission, scratch, options.limits) : submission;
        EvalPaths paths;
        paths.predictions = root;
        paths.gt = options.gt;
        paths.split = options.split;
        paths.pairs = options.pairs;
        paths.allow_missing = options.allow_missing;
        if (detect_source_format(options.gt) == SourceFormat::ref_davis) {
            // J and F by the Ref-DAVIS17 protocol, R from the pairs (reports/ref_davis_report.h).
            RefDavisScore score = score_ref_davis(paths, parse_davis_task(options.davis_task), PngLimits{}, out, submission);
            if (!score.r2) throw Error("a Ref-DAVIS17 submission is scored with --pairs (R and the summary the leaderboard ranks)");
            fs::remove_all(scratch, ec);
            return {std::move(*score.r2), std::move(score.davis), ""};
        }
        EvalInput input = load_eval_input(paths);
        EvalResult result = evaluate(input);
        input.shown_as = submission;  // the report names the submission, not the scratch folder
        write_eval_report(out, result, input);
        std::string alignment = eval_alignment_table(result, input);
        fs::remove_all(scratch, ec);
        return {std::move(result), std::nullopt, std::move(alignment)};
    } catch (...) {
        fs::remove_all(scratch, ec);
        throw;
    }
}

std::string submission_hash(const fs::path& submission) {
    if (fs::is_regular_file(submission)) return sha256_file(submission);
    return tree_hash(submission);
}

}  // namespace r2
