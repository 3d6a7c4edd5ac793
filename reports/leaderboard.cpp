#include "reports/leaderboard.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zip.h>

#include "core/atomic_file.h"
#include "core/dataset_layout.h"
#include "core/error.h"
#include "core/file_manifest.h"
#include "core/interrupt.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/text_format.h"
#include "core/wording.h"
#include "metrics/alignment.h"
#include "reports/eval_report.h"
#include "reports/html_report.h"
#include "reports/svg.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::optional<double> metric(const json& metrics, const char* key) {
    return metrics.contains(key) && metrics[key].is_number() ? std::optional<double>(metrics[key].get<double>()) : std::nullopt;
}

// Everything a cached result depends on besides the submission, as content: the scorer's version,
// the ground truth's expressions file and every annotation file (path, size, hash), the pairs
// file's bytes and the options. Paths are not part of it: a moved tree with the same bytes keeps
// its results, an edited mask does not.
std::string setting_hash_of(const ScoreOptions& o) {
    Sha256 h;
    h.update(R2BENCH_CACHE_VERSION).update(std::string(1, '\0'));
    if (!o.gt.empty()) {
        const GtLayout gt = resolve_gt(o.gt, o.split);
        // Ref-DAVIS17's expressions are a folder of text files; MeViS' masks are one JSON file.
        h.update("expressions ").update(fs::is_directory(gt.expressions) ? tree_hash(gt.expressions) : sha256_file(gt.expressions)).update("\n");
        if (!gt.annotations.empty()) h.update("annotations ").update(tree_hash(gt.annotations)).update("\n");
        if (!gt.mask_dict.empty()) h.update("mask_dict ").update(sha256_file(gt.mask_dict)).update("\n");
        if (gt.format == SourceFormat::ref_davis) {
            const fs::path unsupervised = ref_davis_annotations(o.gt, true);
            if (fs::is_directory(unsupervised)) h.update("unsupervised ").update(tree_hash(unsupervised)).update("\n");
            h.update("davis_task ").update(o.davis_task).update("\n");
        }
    }
    h.update("pairs ").update(o.pairs.empty() ? "none" : sha256_file(o.pairs)).update("\n");
    h.update("allow_missing ").update(o.allow_missing ? "1" : "0").update("\n");
    return h.hex();
}

// A cache entry is {"key": …, "summary": {…}} or {"key": …, "error": "…"}; it is used only when
// it parses, names the key it is stored under and has the shape a result has. Anything else
// (truncated, edited, from another version) is a miss, and the submission is scored again.
std::optional<json> read_cache_entry(const fs::path& file, const std::string& key) {
    try {
        if (!fs::is_regular_file(file)) return std::nullopt;
        json entry = json::parse(read_file(file));
        if (!entry.is_object() || entry.value("key", "") != key) return std::nullopt;
        if (entry.contains("error")) return entry["error"].is_string() ? std::optional<json>(entry) : std::nullopt;
        const json& summary = entry.value("summary", json());
        if (!summary.is_object() || !summary.contains("metrics") || !summary["metrics"].is_object()) return std::nullopt;
        for (const char* name : {"J", "F", "J&F", "R", "J&F&R"}) {
            const json& m = summary["metrics"].value(name, json());
            if (!m.is_null() && !m.is_number()) return std::nullopt;
        }
        return entry;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void write_cache_entry(const fs::path& file, const std::string& key, const char* field, const json& value) {
    write_file_atomically(file, json{{"key", key}, {field, value}}.dump() + "\n");
}

// The report folder of a scored submission matches a cached summary when its summary.json is that summary.
bool report_matches(const fs::path& folder, const json& summary) {
    try {
        return fs::is_regular_file(folder / "summary.json") && json::parse(read_file(folder / "summary.json")) == summary;
    } catch (const std::exception&) {
        return false;
    }
}

std::vector<fs::path> list_submissions(const fs::path& submissions) {
    if (!fs::is_directory(submissions)) throw FileError(submissions, "not a folder of submissions");
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(submissions)) {
        if (e.path().filename().string().rfind('.', 0) == 0) continue;  // .DS_Store, temporary folders
        if (e.is_directory() || e.path().extension() == ".zip") entries.push_back(e.path());
    }
    if (entries.empty()) throw FileError(submissions, "holds no submissions (.zip files or folders): there is nothing to rank");
    std::sort(entries.begin(), entries.end());
    return entries;
}

// A board on which no submission could be scored is a failure (exit 2), not a page of errors.
void throw_if_nothing_scored(const std::vector<LeaderboardRow>& rows, const fs::path& submissions) {
    if (std::any_of(rows.begin(), rows.end(), [](const LeaderboardRow& r) { return r.error.empty(); })) return;
    std::vector<std::string> problems{fmt::format("no submission in {} could be scored", submissions.string())};
    for (const auto& r : rows) problems.push_back(fmt::format("{}: {}", r.name, leaderboard_note(r.error)));
    throw InputProblems(std::move(problems));
}

}  // namespace

std::string score_setting_hash(const ScoreOptions& options) { return setting_hash_of(options); }

namespace {

void fill_scores(LeaderboardRow& row, const json& summary) {
    const json& m = summary["metrics"];
    row.j = metric(m, "J"), row.f = metric(m, "F"), row.jf = metric(m, "J&F"), row.r = metric(m, "R"), row.jfr = metric(m, "J&F&R");
    const json counts = summary.value("counts", json::object());
    row.missing_positive_frames = counts.value("missing_positive_frames", int64_t(0));
    row.missing_negative_frames = counts.value("missing_negative_frames", int64_t(0));
}

void fill_alignment(LeaderboardRow& row, const json& summary) {
    const json alignment = summary.value("alignment", json::object());
    if (!alignment.is_object()) return;
    if (alignment.contains("auroc") && alignment["auroc"].is_number()) row.auroc = alignment["auroc"].get<double>();
    row.auroc_degenerate = alignment.value("degenerate", false);
    if (alignment.contains("model") && alignment["model"].is_string()) row.model = alignment["model"].get<std::string>();
    row.synthetic_weights = alignment.value("synthetic_weights", false);
}

}  // namespace

LeaderboardRow leaderboard_row_from_summary(std::string name, const std::string& summary_json) {
    LeaderboardRow row;
    row.name = std::move(name);
    try {
        const json summary = json::parse(summary_json);
        if (!summary.is_object() || !summary.contains("metrics") || !summary["metrics"].is_object())
            throw Error("summary.json has no metrics");
        fill_scores(row, summary);
        fill_alignment(row, summary);
    } catch (const json::exception& e) {
        throw Error(fmt::format("summary.json of {} is unreadable: {}", row.name, e.what()));
    }
    return row;
}

void rank_leaderboard(std::vector<LeaderboardRow>& rows) {
    auto key = [](const LeaderboardRow& r) { return r.jfr ? *r.jfr : r.jf ? *r.jf : -1e9; };
    std::stable_sort(rows.begin(), rows.end(), [&](const LeaderboardRow& a, const LeaderboardRow& b) {
        if (a.error.empty() != b.error.empty()) return a.error.empty();
        if (!a.error.empty()) return a.name < b.name;
        if (a.incomplete() != b.incomplete()) return !a.incomplete();
        if (key(a) != key(b)) return key(a) > key(b);
        const double ja = a.jf.value_or(-1e9), jb = b.jf.value_or(-1e9);
        if (ja != jb) return ja > jb;
        return a.name < b.name;
    });
}

std::string leaderboard_incomplete_note(const LeaderboardRow& row) {
    if (!row.incomplete()) return "";
    std::string note = fmt::format("incomplete: {} and {} missing", plural(row.missing_positive_frames, "positive frame"),
                                   plural(row.missing_negative_frames, "negative frame"));
    if (row.missing_negative_frames > 0) note += ", R not reported";
    return note + "; ranked after complete submissions";
}

std::string leaderboard_row_note(const LeaderboardRow& row) {
    std::string note = leaderboard_incomplete_note(row);
    if (row.auroc_degenerate)
        note += std::string(note.empty() ? "" : "; ") + kNoSeparationNote + " (its AUROC is noise)";
    return note;
}

std::string leaderboard_note(const std::string& error) {
    // "N problem(s) …:\n  first problem\n  …" → "N problem(s) …: first problem …"
    std::string note;
    size_t start = 0;
    for (int line = 0; line < 2 && start < error.size(); ++line) {
        size_t end = error.find('\n', start);
        if (end == std::string::npos) end = error.size();
        std::string text = error.substr(start, end - start);
        text.erase(0, text.find_first_not_of(' '));
        note += (note.empty() ? "" : " ") + text;
        start = end + 1;
        if (line == 0 && (note.empty() || note.back() != ':')) break;  // one line says it all
    }
    constexpr size_t kMax = 120;
    if (note.size() > kMax) {
        size_t cut = kMax;
        while (cut > 0 && (static_cast<unsigned char>(note[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
        note = note.substr(0, cut) + " …";
    } else if (start < error.size()) {
        note += " …";
    }
    std::replace(note.begin(), note.end(), '|', '/');
    return note;
}

namespace {

// Where one submission's result comes from: this board's cache, the board being replaced (whose
// report is carried over) or a fresh scoring. Returns the summary, or throws the submission's error.
json result_of(const fs::path& entry, const std::string& key, const fs::path& out, const std::optional<fs::path>& previous,
               const ScoreOptions& options, LeaderboardRow& row) {
    const fs::path cache = out / "cache" / (key + ".json");
    const fs::path scored = out / "submissions" / row.name;
    std::error_code ec;
    // A result is reused only with its report beside it: a renamed submission, or a report folder
    // someone removed, is scored again rather than shown without one.
    for (const fs::path& board : previous ? std::vector<fs::path>{out, *previous} : std::vector<fs::path>{out}) {
        const auto cached = read_cache_entry(board / "cache" / (key + ".json"), key);
        if (!cached) continue;
        if (cached->contains("error")) {
            if (board != out) write_cache_entry(cache, key, "error", (*cached)["error"]);
            row.cached = true;
            throw Error((*cached)["error"].get<std::string>());
        }
        const json& summary = (*cached)["summary"];
        const fs::path report = board / "submissions" / row.name;
        if (!report_matches(report, summary)) continue;
        if (board != out) {
            fs::remove_all(scored, ec);
            fs::create_directories(scored.parent_path());
            fs::copy(report, scored, fs::copy_options::recursive);
            write_cache_entry(cache, key, "summary", summary);
        }
        row.cached = true;
        return summary;
    }
    fs::remove_all(scored, ec);
    score_submission(entry, scored, options);
    json summary = json::parse(read_file(scored / "summary.json"));
    write_cache_entry(cache, key, "summary", summary);
    return summary;
}

// A submission's run.json: in its folder, or at the top of its zip (or of the one folder the zip
// wraps it in). Read at most 1 MiB; anything unreadable is "not recorded", never an error: the
// scores do not depend on it.
std::optional<json> run_json_of(const fs::path& submission) {
    constexpr zip_uint64_t kMax = 1 << 20;
    try {
        if (fs::is_directory(submission)) {
            const fs::path file = submission / "run.json";
            if (!fs::is_regular_file(file) || fs::file_size(file) > kMax) return std::nullopt;
            return json::parse(read_file(file));
        }
        int error = 0;
        zip_t* z = zip_open(submission.c_str(), ZIP_RDONLY, &error);
        if (!z) return std::nullopt;
        std::string bytes;
        for (zip_int64_t i = 0, n = zip_get_num_entries(z, 0); i < n && bytes.empty(); ++i) {
            zip_stat_t st;
            if (zip_stat_index(z, zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) continue;
            const std::string name = st.name;
            const size_t slash = name.find('/');
            const bool top = name == "run.json" || (slash != std::string::npos && name.substr(slash + 1) == "run.json");
            if (!top || st.size > kMax) continue;
            zip_file_t* f = zip_fopen_index(z, zip_uint64_t(i), 0);
            if (!f) continue;
            bytes.resize(size_t(st.size));
            const zip_int64_t got = zip_fread(f, bytes.data(), st.size);
            zip_fclose(f);
            if (got != zip_int64_t(st.size)) bytes.clear();
        }
        zip_discard(z);
        return bytes.empty() ? std::nullopt : std::optional<json>(json::parse(bytes));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The row's AUROC, model and weights (summary.json's alignment, the submission's run.json), and its
// report page: written here when the board's report folder has none yet (an earlier board's is
// carried over with its folder), left unlinked when it cannot be drawn.
void describe_run(LeaderboardRow& row, const json& summary, const fs::path& submission, const fs::path& scored) {
    fill_alignment(row, summary);
    if (const auto run = run_json_of(submission); run && run->is_object()) {
        if (run->contains("model") && (*run)["model"].is_string()) row.model = (*run)["model"].get<std::string>();
        if (run->contains("synthetic_weights") && (*run)["synthetic_weights"].is_boolean())
            row.synthetic_weights = (*run)["synthetic_weights"].get<bool>();
        const json weights = run->value("weights", json());
        if (weights.is_object()) {
            // The name only: the path is the team's machine's business.
            if (weights.contains("file") && weights["file"].is_string())
                row.weights_file = fs::path(weights["file"].get<std::string>()).filename().string();
            if (weights.contains("sha256") && weights["sha256"].is_string()) row.weights_sha256 = weights["sha256"].get<std::string>();
        }
    }
    try {
        if (!fs::is_regular_file(scored / "report.html")) write_html_report(scored);
        row.report = fmt::format("submissions/{}/report.html", row.name);
    } catch (const Interrupted&) {
        throw;
    } catch (const std::exception&) {
        row.report.clear();  // the scores stand without their page
    }
}

}  // namespace

std::vector<LeaderboardRow> build_leaderboard(const fs::path& submissions, const fs::path& out, const ScoreOptions& options,
                                              const std::optional<fs::path>& previous) {
    const std::vector<fs::path> entries = list_submissions(submissions);
    const std::string setting = setting_hash_of(options);
    // The public pages name submissions, never the organiser's folders.
    const std::string folder = submissions.string() + "/";
    auto public_error = [&](std::string text) {
        for (size_t at; (at = text.find(folder)) != std::string::npos;) text.erase(at, folder.size());
        return text;
    };
    std::vector<LeaderboardRow> rows;
    Progress progress("scoring submissions", entries.size());
    for (const auto& entry : entries) {
        LeaderboardRow row;
        row.name = entry.filename().string();
        const fs::path scored = out / "submissions" / row.name;
        std::error_code ec;
        try {
            row.hash = submission_hash(entry);
            const std::string key = sha256_hex(row.hash + setting);
            const json summary = result_of(entry, key, out, previous, options, row);
            fill_scores(row, summary);
            describe_run(row, summary, entry, scored);
        } catch (const Interrupted&) {
            throw;
        } catch (const Error& e) {
            // The submission's own problem (r2bench's errors name it): cached, so an unchanged
            // broken submission is not retried. Anything else (a bug, a full disk) stops the board.
            row.error = public_error(e.what());
            if (!row.hash.empty() && !row.cached)
                write_cache_entry(out / "cache" / (sha256_hex(row.hash + setting) + ".json"), sha256_hex(row.hash + setting),
                                  "error", row.error);
            // Its folder holds only the full problem list, which the board's note links to.
            fs::remove_all(scored, ec);
            write_file_atomically(scored / "problems.txt", row.error + "\n");
        }
        rows.push_back(std::move(row));
        progress.advance();
    }
    throw_if_nothing_scored(rows, submissions);
    rank_leaderboard(rows);
    write_file_atomically(out / "leaderboard.md", leaderboard_markdown(rows));
    write_file_atomically(out / "leaderboard.csv", leaderboard_csv(rows));
    write_file_atomically(out / "leaderboard.html", leaderboard_html(rows));
    return rows;
}

std::string leaderboard_model_note(const LeaderboardRow& row) {
    if (row.model.empty() && row.weights_file.empty()) return "";
    std::string weights;
    if (row.synthetic_weights) weights = "synthetic weights";
    else if (!row.weights_file.empty())
        weights = row.weights_sha256.empty() ? row.weights_file
                                             : fmt::format("{}, SHA-256 {}…", row.weights_file, row.weights_sha256.substr(0, 12));
    const std::string model = row.model.empty() ? std::string("model not recorded") : row.model;
    return weights.empty() ? model : fmt::format("{} ({})", model, weights);
}

namespace {

// "yes", "no" (frames missing; the note says how many), or "" for a row that was not scored.
std::string completeness(const LeaderboardRow& r) { return !r.error.empty() ? "" : r.incomplete() ? "no" : "yes"; }

std::string markdown_note(const LeaderboardRow& r) {
    return r.error.empty() ? leaderboard_row_note(r)
                           : fmt::format("error: {} ([all problems](submissions/{}/problems.txt))", leaderboard_note(r.error), r.name);
}

}  // namespace

std::string leaderboard_markdown(const std::vector<LeaderboardRow>& rows) {
    std::string s = "| rank | submission | J&F&R | J&F | J | F | R | AUROC | complete | model (weights) | note |\n"
                    "|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|\n";
    int rank = 0;
    for (const auto& r : rows) {
        const std::string name = r.report.empty() ? r.name : fmt::format("[{}]({})", r.name, r.report);
        std::string model = leaderboard_model_note(r);
        std::replace(model.begin(), model.end(), '|', '/');
        s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.error.empty() ? std::to_string(++rank) : "-",
                         name, percent(r.jfr), percent(r.jf), percent(r.j), percent(r.f), percent(r.r), percent(r.auroc),
                         completeness(r), model, markdown_note(r));
    }
    return s;
}

std::string leaderboard_console(const std::vector<LeaderboardRow>& rows) {
    std::string s = "| rank | submission | J&F&R | J&F | J | F | R | note |\n|---:|---|---:|---:|---:|---:|---:|---|\n";
    int rank = 0;
    for (const auto& r : rows)
        s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", r.error.empty() ? std::to_string(++rank) : "-", r.name,
                         percent(r.jfr), percent(r.jf), percent(r.j), percent(r.f), percent(r.r), markdown_note(r));
    return s;
}

std::string leaderboard_csv(const std::vector<LeaderboardRow>& rows) {
    auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); };
    // New columns go after the original ones, so that scripts reading them by position keep working.
    std::string s = "rank,submission,J&F&R,J&F,J,F,R,missing_positive_frames,missing_negative_frames,sha256,error,"
                    "AUROC,complete,model,synthetic_weights,weights,weights_sha256,report\n";
    int rank = 0;
    for (const auto& r : rows)
        s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.error.empty() ? std::to_string(++rank) : "",
                         csv_field(r.name), num(r.jfr), num(r.jf), num(r.j), num(r.f), num(r.r),
                         r.error.empty() ? std::to_string(r.missing_positive_frames) : "",
                         r.error.empty() ? std::to_string(r.missing_negative_frames) : "", r.hash,
                         r.error.empty() ? "" : csv_field(leaderboard_note(r.error)), num(r.auroc), completeness(r), csv_field(r.model),
                         r.model.empty() && r.weights_file.empty() ? "" : r.synthetic_weights ? "true" : "false",
                         csv_field(r.weights_file), r.weights_sha256, csv_field(r.report));
    return s;
}

namespace {

std::string html_row(const LeaderboardRow& r, int rank) {
    const std::string name = r.report.empty() ? svg::escape(r.name)
                                              : fmt::format("<a href='{}'>{}</a>", svg::escape(r.report), svg::escape(r.name));
    const std::string model = fmt::format("<td class='l'{}>{}</td>",
                                          r.weights_sha256.empty() ? "" : fmt::format(" title='weights SHA-256 {}'", svg::escape(r.weights_sha256)),
                                          svg::escape(leaderboard_model_note(r)));
    const std::string note = r.error.empty() ? svg::escape(leaderboard_row_note(r))
                                             : fmt::format("{} (<a href='submissions/{}/problems.txt'>all problems</a>)",
                                                           svg::escape(leaderboard_note(r.error)), svg::escape(r.name));
    return fmt::format("<tr><td>{}</td><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td class='{}'>{}</td>{}<td class='{}'>{}</td></tr>",
                       r.error.empty() ? std::to_string(rank) : "–", name, percent(r.jfr), percent(r.jf), percent(r.j), percent(r.f),
                       percent(r.r), percent(r.auroc), r.incomplete() ? "l inc" : "l", completeness(r), model,
                       r.error.empty() ? "l" : "err", note);
}

}  // namespace

std::string leaderboard_html(const std::vector<LeaderboardRow>& rows) {
    std::string s = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench leaderboard</title><style>"
                    "body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                    "padding:4px 10px;text-align:right}td.l{text-align:left}.err{color:#b00;text-align:left}.inc{color:#b00}"
                    "</style></head><body>"
                    "<h1>Leaderboard</h1><p>Ranked by J&amp;F&amp;R, ties by J&amp;F. Scores in percent. Incomplete submissions "
                    "(missing frames) are ranked after complete ones; R is not reported when negative frames are missing. "
                    "AUROC: how well the run's alignment scores A separate its positive from its negative pairs (n/a when "
                    "the submission brought no scores.json). Each name links to the submission's report.</p><table><tr><th>rank</th>"
                    "<th>submission</th><th>J&amp;F&amp;R</th><th>J&amp;F</th><th>J</th><th>F</th><th>R</th><th>AUROC</th>"
                    "<th>complete</th><th>model (weights)</th><th>note</th></tr>";
    int rank = 0;
    for (const auto& r : rows) s += html_row(r, r.error.empty() ? ++rank : 0);
    return s + "</table></body></html>\n";
}

}  // namespace r2
