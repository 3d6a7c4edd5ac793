#include "server/pages.h"

#include <ctime>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "core/text_format.h"
#include "reports/svg.h"

namespace r2::server {
using json = nlohmann::json;
using svg::escape;

namespace {

std::string url_part(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += char(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string utc(double seconds) {
    if (seconds <= 0) return "";
    const std::time_t t = std::time_t(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
    return text;
}

json number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// data-v: the raw value the sorting script compares (-1 for n/a, so that it sorts last).
std::string cell(const std::optional<double>& v) {
    return fmt::format("<td data-v='{}'>{}</td>", v ? fmt::format("{:.6f}", *v) : "-1", percent(v));
}

// refresh_seconds > 0: the browser reloads the page (a meta refresh: no script, so the CSP allows it).
std::string page(const std::string& title, const std::string& body, int refresh_seconds = 0) {
    const std::string refresh = refresh_seconds > 0 ? fmt::format("<meta http-equiv='refresh' content='{}'>", refresh_seconds) : "";
    return fmt::format(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{}<title>{} · R²-Youtube-VOS</title><style>"
        "body{{font-family:sans-serif;margin:24px;max-width:1200px}}table{{border-collapse:collapse}}"
        "td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}td.l,th.l{{text-align:left}}"
        "th[data-sort]{{cursor:pointer;background:#f3f3f3}}.err{{color:#b00}}pre{{background:#f7f7f7;padding:8px;white-space:pre-wrap}}"
        "nav a{{margin-right:16px}}label{{display:block;margin:8px 0}}.state{{font-weight:bold}}"
        "</style></head><body><nav><a href='/'>Leaderboard</a><a href='/submit'>Submit</a>"
        "<a href='/api/leaderboard'>JSON</a><a href='/leaderboard.csv'>CSV</a></nav><h1>{}</h1>{}</body></html>\n",
        refresh, escape(title), escape(title), body);
}

std::string state_text(const Submission& s, int64_t queue_ahead) {
    switch (s.state) {
        case State::queued: return queue_ahead > 0 ? fmt::format("queued ({} ahead)", queue_ahead) : "queued";
        case State::scoring: return s.progress.empty() ? "scoring" : "scoring: " + s.progress;
        default: return state_name(s.state);
    }
}

// "2048 MiB", "1.5 MiB", "500000 bytes": the upload limit as a person reads it.
std::string size_text(int64_t bytes) {
    if (bytes < (int64_t(1) << 20)) return fmt::format("{} bytes", bytes);
    if (bytes % (int64_t(1) << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    return fmt::format("{:.1f} MiB", double(bytes) / double(int64_t(1) << 20));
}

// The quota paragraph of the submit and team pages.
std::string quota_html(const TeamQuota& q) {
    auto whose = [](bool own) { return own ? "the team's own limit" : "the server's limit"; };
    return fmt::format("<p id='quota'>Team <b>{}</b> may make <span id='per-day'>{}</span> submission{} per 24 hours ({}; {} made in "
                       "the last 24 hours, failed ones not counted) of zips up to <span id='max-upload' data-bytes='{}'>{}</span> ({}).</p>",
                       escape(q.team), q.limits.per_day, q.limits.per_day == 1 ? "" : "s", whose(q.own.per_day.has_value()), q.used_today,
                       q.limits.max_upload_bytes, size_text(q.limits.max_upload_bytes), whose(q.own.max_upload_bytes.has_value()));
}

}  // namespace

json quota_json(const TeamQuota& q) {
    auto own = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    return {{"per_day", q.limits.per_day}, {"max_upload_bytes", q.limits.max_upload_bytes}, {"submissions_today", q.used_today},
            {"own", {{"per_day", own(q.own.per_day)}, {"max_upload_bytes", own(q.own.max_upload_bytes)}}}};
}

std::vector<BoardEntry> board_entries(const std::vector<Submission>& scored) {
    std::vector<LeaderboardRow> rows;
    std::vector<BoardEntry> out;
    for (const auto& s : scored) {
        LeaderboardRow row;
        try {
            row = leaderboard_row_from_summary(fmt::format("{} / {}", s.team, s.method), s.summary);
        } catch (const Error& e) {
            continue;  // a summary the database holds but cannot be read is not ranked
        }
        row.hash = s.sha256;
        row.report = fmt::format("/submissions/{}/report.html", s.id);
        out.push_back({s, row});
    }
    // Ranked as `r2bench leaderboard` ranks; each row's report link names its submission.
    std::map<std::string, const BoardEntry*> by_report;
    for (const auto& e : out) rows.push_back(e.row), by_report[e.row.report] = &e;
    rank_leaderboard(rows);
    std::vector<BoardEntry> ranked;
    for (const auto& r : rows) ranked.push_back(*by_report.at(r.report));
    return ranked;
}

json board_json(const std::vector<BoardEntry>& board) {
    json rows = json::array();
    int rank = 0;
    for (const auto& e : board) {
        const auto& r = e.row;
        rows.push_back({{"rank", ++rank}, {"id", e.submission.id}, {"team", e.submission.team}, {"method", e.submission.method},
                        {"J&F&R", number(r.jfr)}, {"J&F", number(r.jf)}, {"J", number(r.j)}, {"F", number(r.f)}, {"R", number(r.r)},
                        {"AUROC", number(r.auroc)}, {"complete", !r.incomplete()}, {"note", leaderboard_row_note(r)},
                        {"submitted", e.submission.created}, {"report", r.report}});
    }
    return {{"rows", rows}};
}

json submission_json(const Submission& s, const Viewer& viewer, int64_t queue_ahead) {
    json j = {{"id", s.id},           {"team", s.team},  {"method", s.method}, {"state", state_name(s.state)},
              {"status", state_text(s, queue_ahead)}, {"progress", s.progress}, {"submitted", s.created},
              {"finished", s.finished > 0 ? json(s.finished) : json(nullptr)}};
    if (s.state == State::done && !s.summary.empty()) {
        const LeaderboardRow r = leaderboard_row_from_summary("", s.summary);
        j["scores"] = {{"J&F&R", number(r.jfr)}, {"J&F", number(r.jf)}, {"J", number(r.j)}, {"F", number(r.f)},
                       {"R", number(r.r)},       {"AUROC", number(r.auroc)}};
        j["report"] = fmt::format("/submissions/{}/report.html", s.id);
    }
    if (s.state == State::failed) j["problem"] = leaderboard_note(s.problems);
    if (viewer.sees_private(s)) {
        j["private"] = {{"problems", s.problems}, {"sha256", s.sha256}, {"upload_bytes", s.upload_bytes},
                        {"attempts", s.attempts}, {"hidden", s.hidden}};
    }
    return j;
}

const char* const kBoardScript = R"JS(// Sorts the board by the clicked column (again: the other way).
document.querySelectorAll('th[data-sort]').forEach(function (th, _) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr'));
    var numeric = th.dataset.sort === 'n', down = th.dataset.dir !== 'down';
    rows.sort(function (a, b) {
      var x = a.children[index], y = b.children[index];
      var d = numeric ? parseFloat(x.dataset.v) - parseFloat(y.dataset.v) : x.textContent.localeCompare(y.textContent);
      return down ? -d : d;
    });
    th.dataset.dir = down ? 'down' : 'up';
    rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
  });
});
)JS";

std::string board_page(const std::vector<BoardEntry>& board, const Viewer& viewer) {
    std::string body =
        "<p>R²-Youtube-VOS (the negative set of <code>build-dataset --seed 0</code>), ranked by J&amp;F&amp;R, ties by J&amp;F; "
        "scores in percent. Click a column to sort by it. Exports: <a href='/leaderboard.md'>leaderboard.md</a>, "
        "<a href='/leaderboard.csv'>leaderboard.csv</a>, <a href='/leaderboard.html'>leaderboard.html</a>.</p>"
        "<table id='board'><thead><tr><th data-sort='n'>rank</th><th class='l' data-sort='t'>team</th>"
        "<th class='l' data-sort='t'>method</th><th data-sort='n'>J&amp;F&amp;R</th><th data-sort='n'>J&amp;F</th>"
        "<th data-sort='n'>J</th><th data-sort='n'>F</th><th data-sort='n'>R</th><th data-sort='n'>AUROC</th>"
        "<th class='l' data-sort='t'>submitted</th><th class='l'>report</th><th class='l'>note</th></tr></thead><tbody>";
    int rank = 0;
    for (const auto& e : board) {
        const auto& s = e.submission;
        const auto& r = e.row;
        body += fmt::format("<tr data-id='{}'><td data-v='{}'>{}</td><td class='l'><a href='/teams/{}'>{}</a></td>"
                            "<td class='l'><a href='/submissions/{}'>{}</a></td>{}{}{}{}{}{}<td class='l'>{}</td>"
                            "<td class='l'><a href='{}'>report.html</a></td><td class='l'>{}</td></tr>",
                            s.id, rank + 1, rank + 1, escape(url_part(s.team)), escape(s.team), s.id, escape(s.method), cell(r.jfr),
                            cell(r.jf), cell(r.j), cell(r.f), cell(r.r), cell(r.auroc), utc(s.created), escape(r.report),
                            escape(leaderboard_row_note(r)));
        ++rank;
    }
    if (board.empty()) body += "<tr><td colspan='12' class='l'>No submission has been scored yet.</td></tr>";
    body += "</tbody></table><script src='/static/board.js'></script>";
    if (viewer.team) body += fmt::format("<p>Signed in as <a href='/teams/{}'>{}</a>.</p>", escape(url_part(viewer.team->name)), escape(viewer.team->name));
    return page("Leaderboard", body);
}

std::string submit_page(const Limits& server, const std::optional<TeamQuota>& signed_in, const std::string& message) {
    // Signed in: the team's own limits are said (and its name filled in), else the server's.
    const std::string limits = signed_in ? quota_html(*signed_in)
                                         : fmt::format("<p>At most {}, {} submissions per team per 24 hours (the organisers may set other "
                                                       "limits for a team; its members see them here once signed in).</p>",
                                                       size_text(server.max_upload_bytes), server.per_day);
    const std::string team_value = signed_in ? fmt::format(" value='{}'", escape(signed_in->team)) : "";
    return page("Submit",
                fmt::format("{}<p>A zip of <code>Annotations/&lt;video&gt;/&lt;exp_id&gt;/&lt;frame&gt;.png</code> and "
                            "<code>Negatives/…</code>, as <code>r2bench run</code> writes. The team's token was printed when the "
                            "organisers created it.</p>{}"
                            "<form method='post' action='/submit' enctype='multipart/form-data'>"
                            "<label>Team <input name='team' required maxlength='64'{}></label>"
                            "<label>Token <input name='token' type='password' required></label>"
                            "<label>Method <input name='method' required maxlength='100'></label>"
                            "<label>Submission zip <input name='zip' type='file' accept='.zip' required></label>"
                            "<button type='submit'>Submit</button></form>",
                            message.empty() ? "" : fmt::format("<p class='err'>{}</p>", escape(message)), limits, team_value));
}

std::string status_page(const Submission& s, const Viewer& viewer, int64_t queue_ahead) {
    std::string body = fmt::format("<p>Team <a href='/teams/{}'>{}</a>, method <b>{}</b>, submitted {}.</p>"
                                   "<p>Status: <span class='state' id='state' data-state='{}'>{}</span></p>",
                                   escape(url_part(s.team)), escape(s.team), escape(s.method), utc(s.created), state_name(s.state),
                                   escape(state_text(s, queue_ahead)));
    const bool pending = s.state == State::queued || s.state == State::scoring;
    if (pending) body += "<p>This page reloads itself every 3 s until the scoring ends.</p>";
    if (s.state == State::done) {
        const LeaderboardRow r = leaderboard_row_from_summary("", s.summary);
        body += fmt::format("<table id='scores'><tr><th>J&amp;F&amp;R</th><th>J&amp;F</th><th>J</th><th>F</th><th>R</th><th>AUROC</th></tr>"
                            "<tr>{}{}{}{}{}{}</tr></table><p><a href='/submissions/{}/report.html'>report.html</a></p>",
                            cell(r.jfr), cell(r.jf), cell(r.j), cell(r.f), cell(r.r), cell(r.auroc), s.id);
    }
    if (s.state == State::failed)
        body += viewer.sees_private(s) ? fmt::format("<h2>Problems</h2><pre id='problems'>{}</pre>", escape(s.problems))
                                       : fmt::format("<p class='err'>{}</p>", escape(leaderboard_note(s.problems)));
    if (viewer.sees_private(s)) {
        body += fmt::format("<p>Zip SHA-256 {} ({} bytes), attempts {}{}.</p>", s.sha256, s.upload_bytes, s.attempts,
                            s.hidden ? ", hidden from the board by the organisers" : "");
        if (s.state != State::withdrawn && viewer.team->id == s.team_id)
            body += fmt::format("<form method='post' action='/submissions/{}/withdraw'><button>Withdraw</button></form>", s.id);
        if (viewer.admin())
            body += fmt::format("<form method='post' action='/submissions/{}/{}'><button>{}</button></form>", s.id,
                                s.hidden ? "show" : "hide", s.hidden ? "Show on the board" : "Hide from the board");
    }
    return page(fmt::format("Submission {}", s.id), body, pending ? 3 : 0);
}

std::string team_page(const std::string& team, const std::vector<Submission>& history, const Viewer& viewer,
                      const std::optional<TeamQuota>& quota) {
    const bool own = viewer.team && (viewer.team->admin || viewer.team->name == team);
    std::string body = own ? "<p>Every submission of the team (only its members and the organisers see this list).</p>"
                           : "<p>The team's scored submissions. Its members see its whole history here once signed in (by submitting through the form).</p>";
    if (own && quota) body += quota_html(*quota);
    body += "<table id='history'><tr><th>id</th><th class='l'>method</th><th class='l'>submitted</th><th class='l'>state</th>"
            "<th>J&amp;F&amp;R</th><th>J&amp;F</th><th>R</th></tr>";
    for (const auto& s : history) {
        if (!own && (s.state != State::done || s.hidden)) continue;
        std::optional<LeaderboardRow> r;
        if (s.state == State::done) r = leaderboard_row_from_summary("", s.summary);
        body += fmt::format("<tr><td><a href='/submissions/{}'>{}</a></td><td class='l'>{}</td><td class='l'>{}</td><td class='l'>{}</td>{}{}{}</tr>",
                            s.id, s.id, escape(s.method), utc(s.created), state_name(s.state), cell(r ? r->jfr : std::nullopt),
                            cell(r ? r->jf : std::nullopt), cell(r ? r->r : std::nullopt));
    }
    return page("Team " + team, body + "</table>");
}

std::string message_page(const std::string& title, const std::string& message) {
    return page(title, fmt::format("<p>{}</p>", escape(message)));
}

std::string public_problems(const std::string& log, const std::string& upload_path, const std::string& data_dir) {
    std::istringstream in(log);
    std::string line, out;
    while (std::getline(in, line)) {
        if (line.find("evaluating frames:") == 0 || line.empty()) continue;
        for (size_t at; (at = line.find(upload_path)) != std::string::npos;) line.replace(at, upload_path.size(), "submission.zip");
        for (size_t at; (at = line.find(data_dir)) != std::string::npos;) line.replace(at, data_dir.size(), "<server>");
        if (line.rfind("r2bench: error: ", 0) == 0) line.erase(0, 16);
        out += line + "\n";
    }
    if (out.size() > 64 * 1024) out = out.substr(0, 64 * 1024) + "… (cut at 64 KiB)\n";
    return out;
}

std::string last_progress(const std::string& log) {
    const std::string label = "evaluating frames: ";
    const size_t at = log.rfind(label);
    if (at == std::string::npos) return "";
    const size_t end = log.find('\n', at);
    if (end == std::string::npos) return "";
    return "frames " + log.substr(at + label.size(), end - at - label.size());
}

}  // namespace r2::server
