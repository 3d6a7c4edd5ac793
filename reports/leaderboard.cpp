#include "reports/leaderboard.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "reports/eval_report.h"
#include "reports/svg.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::optional<double> metric(const json& metrics, const char* key) {
    return metrics.contains(key) && metrics[key].is_number() ? std::optional<double>(metrics[key].get<double>()) : std::nullopt;
}

std::string pct(const std::optional<double>& v) { return v ? fmt::format("{:.1f}", 100 * *v) : "n/a"; }

// The evaluation setting a cached result depends on, besides the submission itself.
std::string setting_hash(const ScoreOptions& o) {
    Sha256 h;
    h.update(R2BENCH_CACHE_VERSION);
    if (!o.pairs.empty()) h.update(sha256_file(o.pairs));
    h.update(fs::absolute(o.gt).lexically_normal().string()).update(o.split).update(o.allow_missing ? "1" : "0");
    return h.hex();
}

}  // namespace

void rank_leaderboard(std::vector<LeaderboardRow>& rows) {
    auto key = [](const LeaderboardRow& r) { return r.jfr ? *r.jfr : r.jf ? *r.jf : -1e9; };
    std::stable_sort(rows.begin(), rows.end(), [&](const LeaderboardRow& a, const LeaderboardRow& b) {
        if (a.error.empty() != b.error.empty()) return a.error.empty();
        if (!a.error.empty()) return a.name < b.name;
        if (key(a) != key(b)) return key(a) > key(b);
        const double ja = a.jf.value_or(-1e9), jb = b.jf.value_or(-1e9);
        if (ja != jb) return ja > jb;
        return a.name < b.name;
    });
}

std::vector<LeaderboardRow> build_leaderboard(const fs::path& submissions, const fs::path& out, const ScoreOptions& options) {
    if (!fs::is_directory(submissions)) throw FileError(submissions, "not a folder of submissions");
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(submissions))
        if (e.is_directory() || e.path().extension() == ".zip") entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    const std::string setting = setting_hash(options);
    std::vector<LeaderboardRow> rows;
    Progress progress("scoring submissions", entries.size());
    for (const auto& entry : entries) {
        LeaderboardRow row;
        row.name = entry.filename().string();
        try {
            row.hash = submission_hash(entry);
            const fs::path cache = out / "cache" / (sha256_hex(row.hash + setting) + ".json");
            json summary;
            if (fs::exists(cache)) {
                summary = json::parse(read_file(cache));
                row.cached = true;
            } else {
                const fs::path scored = out / "submissions" / row.name;
                fs::remove_all(scored);
                score_submission(entry, scored, options);
                summary = json::parse(read_file(scored / "summary.json"));
                write_file_atomically(cache, summary.dump() + "\n");
            }
            if (summary.contains("error")) throw Error(summary["error"].get<std::string>());
            const json& m = summary["metrics"];
            row.j = metric(m, "J"), row.f = metric(m, "F"), row.jf = metric(m, "J&F"), row.r = metric(m, "R"), row.jfr = metric(m, "J&F&R");
        } catch (const std::exception& e) {
            row.error = e.what();
            // Broken submissions are cached too, so a rerun does not retry unchanged ones.
            if (!row.hash.empty()) write_file_atomically(out / "cache" / (sha256_hex(row.hash + setting) + ".json"),
                                                         json{{"error", row.error}}.dump() + "\n");
        }
        rows.push_back(std::move(row));
        progress.advance();
    }
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
        std::string note = r.error;
        std::replace(note.begin(), note.end(), '\n', ' ');
        std::replace(note.begin(), note.end(), '|', '/');
        s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", r.error.empty() ? std::to_string(++rank) : "-", r.name,
                         pct(r.jfr), pct(r.jf), pct(r.j), pct(r.f), pct(r.r), r.error.empty() ? (r.cached ? "cached" : "") : "error: " + note);
    }
    return s;
}

std::string leaderboard_csv(const std::vector<LeaderboardRow>& rows) {
    auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.6f}", *v) : std::string(); };
    std::string s = "rank,submission,J&F&R,J&F,J,F,R,sha256,error\n";
    int rank = 0;
    for (const auto& r : rows)
        s += fmt::format("{},{},{},{},{},{},{},{},{}\n", r.error.empty() ? std::to_string(++rank) : "", csv_field(r.name), num(r.jfr),
                         num(r.jf), num(r.j), num(r.f), num(r.r), r.hash, r.error.empty() ? "" : csv_field(r.error));
    return s;
}

std::string leaderboard_html(const std::vector<LeaderboardRow>& rows) {
    std::string s = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench leaderboard</title><style>"
                    "body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                    "padding:4px 10px;text-align:right}td.l{text-align:left}.err{color:#b00;text-align:left}</style></head><body>"
                    "<h1>Leaderboard</h1><p>Ranked by J&amp;F&amp;R, ties by J&amp;F. Scores in percent.</p><table><tr><th>rank</th>"
                    "<th>submission</th><th>J&amp;F&amp;R</th><th>J&amp;F</th><th>J</th><th>F</th><th>R</th><th>note</th></tr>";
    int rank = 0;
    for (const auto& r : rows)
        s += fmt::format("<tr><td>{}</td><td class='l'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class='{}'>{}</td></tr>",
                         r.error.empty() ? std::to_string(++rank) : "–", svg::escape(r.name), pct(r.jfr), pct(r.jf), pct(r.j),
                         pct(r.f), pct(r.r), r.error.empty() ? "l" : "err", svg::escape(r.error.empty() ? (r.cached ? "cached" : "") : r.error));
    return s + "</table></body></html>\n";
}

}  // namespace r2
