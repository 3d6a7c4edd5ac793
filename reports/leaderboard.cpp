#include "reports/leaderboard.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/dataset_layout.h"
#include "core/error.h"
#include "core/file_manifest.h"
#include "core/interrupt.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/text_format.h"
#include "core/wording.h"
#include "reports/eval_report.h"
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
std::string setting_hash(const ScoreOptions& o) {
    Sha256 h;
    h.update(R2BENCH_CACHE_VERSION).update(std::string(1, '\0'));
    if (!o.gt.empty()) {
        const GtLayout gt = resolve_gt(o.gt, o.split);
        h.update("expressions ").update(sha256_file(gt.expressions)).update("\n");
        h.update("annotations ").update(tree_hash(gt.annotations)).update("\n");
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

}  // namespace

std::vector<LeaderboardRow> build_leaderboard(const fs::path& submissions, const fs::path& out, const ScoreOptions& options,
                                              const std::optional<fs::path>& previous) {
    const std::vector<fs::path> entries = list_submissions(submissions);
    const std::string setting = setting_hash(options);
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
            const json& m = summary["metrics"];
            row.j = metric(m, "J"), row.f = metric(m, "F"), row.jf = metric(m, "J&F"), row.r = metric(m, "R"), row.jfr = metric(m, "J&F&R");
            const json counts = summary.value("counts", json::object());
            row.missing_positive_frames = counts.value("missing_positive_frames", int64_t(0));
            row.missing_negative_frames = counts.value("missing_negative_frames", int64_t(0));
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

std::string leaderboard_markdown(const std::vector<LeaderboardRow>& rows) {
    std::string s = "| rank | submission | J&F&R | J&F | J | F | R | note |\n|---:|---|---:|---:|---:|---:|---:|---|\n";
    int rank = 0;
    for (const auto& r : rows) {
        const std::string note =
            r.error.empty() ? leaderboard_incomplete_note(r)
                            : fmt::format("error: {} ([all problems](submissions/{}/problems.txt))", leaderboard_note(r.error), r.name);
        s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", r.error.empty() ? std::to_string(++rank) : "-", r.name,
                         percent(r.jfr), percent(r.jf), percent(r.j), percent(r.f), percent(r.r), note);
    }
    return s;
}

std::string leaderboard_csv(const std::vector<LeaderboardRow>& rows) {
    auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); };
    std::string s = "rank,submission,J&F&R,J&F,J,F,R,missing_positive_frames,missing_negative_frames,sha256,error\n";
    int rank = 0;
    for (const auto& r : rows)
        s += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.error.empty() ? std::to_string(++rank) : "", csv_field(r.name),
                         num(r.jfr), num(r.jf), num(r.j), num(r.f), num(r.r),
                         r.error.empty() ? std::to_string(r.missing_positive_frames) : "",
                         r.error.empty() ? std::to_string(r.missing_negative_frames) : "", r.hash,
                         r.error.empty() ? "" : csv_field(leaderboard_note(r.error)));
    return s;
}

std::string leaderboard_html(const std::vector<LeaderboardRow>& rows) {
    std::string s = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench leaderboard</title><style>"
                    "body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                    "padding:4px 10px;text-align:right}td.l{text-align:left}.err{color:#b00;text-align:left}</style></head><body>"
                    "<h1>Leaderboard</h1><p>Ranked by J&amp;F&amp;R, ties by J&amp;F. Scores in percent. Incomplete submissions "
                    "(missing frames) are ranked after complete ones; R is not reported when negative frames are missing.</p><table><tr><th>rank</th>"
                    "<th>submission</th><th>J&amp;F&amp;R</th><th>J&amp;F</th><th>J</th><th>F</th><th>R</th><th>note</th></tr>";
    int rank = 0;
    for (const auto& r : rows)
        s += fmt::format("<tr><td>{}</td><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class='{}'>{}</td></tr>",
                         r.error.empty() ? std::to_string(++rank) : "–", svg::escape(r.name), percent(r.jfr), percent(r.jf), percent(r.j),
                         percent(r.f), percent(r.r), r.error.empty() ? "l" : "err",
                         r.error.empty() ? svg::escape(leaderboard_incomplete_note(r))
                                         : fmt::format("{} (<a href='submissions/{}/problems.txt'>all problems</a>)",
                                                       svg::escape(leaderboard_note(r.error)), svg::escape(r.name)));
    return s + "</table></body></html>\n";
}

}  // namespace r2
