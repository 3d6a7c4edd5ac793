// `r2bench serve` on loopback, as users and attackers would use it: a real server process with its
// SQLite database and worker processes, a real HTTP client (cpp-httplib). Every wait is bounded.
#include <doctest/doctest.h>

#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <zip.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"
#include "reports/submission.h"
#include "runners/baseline.h"
#include "server/pages.h"
#include "server/process.h"
#include "server/store.h"
#include "server/zip_folder.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// synth tiny → R² pairs → two noisy-oracle runs zipped; the J&F&R `score` gives the first.
struct Fixture {
    TempDir dir;
    fs::path gt, pairs, data;
    fs::path good, other;
    double expected_jfr = 0;
    Fixture() {
        gt = dir / "synth", pairs = dir / "r2/r2_pairs.json", data = dir / "server";
        synth::write_synth_dataset(gt, synth::synth_preset("tiny"));
        const SourceTree source = read_source_tree(gt, SourceFormat::ref_youtube_vos, "valid");
        write_r2(dir / "r2", build_r2(source, nullptr, {}), source, nullptr, false, false);
        run_baseline(gt, "valid", pairs, dir / "run0", BaselineOptions{"noisy-oracle", 0});
        run_baseline(gt, "valid", pairs, dir / "run1", BaselineOptions{"noisy-oracle", 1});
        good = dir / "good.zip", other = dir / "other.zip";
        server::zip_folder(dir / "run0", good);
        server::zip_folder(dir / "run1", other);
        ScoreOptions o;
        o.gt = gt, o.pairs = pairs;
        expected_jfr = *score_submission(good, dir / "expected", o).summary.jfr;
    }
    std::vector<std::string> serve_argv(const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> argv = {R2BENCH_BINARY, "serve", "--source", gt.string(), "--pairs", pairs.string(), "--data",
                                         data.string(), "--port", "0"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }
    // `extra`: more options of `serve --add-team` (a team's own limits).
    std::string add_team(const std::string& name, bool admin = false, const std::string& extra = "") const {
        std::string out;
        REQUIRE(run_command(fmt::format("{} serve --data {} --add-team '{}'{} {}", R2BENCH_BINARY, data.string(), name,
                                        admin ? " --admin" : "", extra),
                            &out) == 0);
        std::smatch m;
        REQUIRE(std::regex_search(out, m, std::regex("(r2t_[0-9a-f]{48})")));
        return m[1];
    }
    // A distinct upload of run0 (its own run.json), so that the cache cannot answer for it.
    fs::path variant(int i) const {
        const fs::path zip = dir / fmt::format("variant{}.zip", i);
        if (!fs::exists(zip)) server::zip_folder(dir / "run0", zip, {{"run.json", json{{"variant", i}}.dump()}});
        return zip;
    }
};

struct Client {
    httplib::Client http;
    explicit Client(const server::ServerProcess& s) : http(s.host(), s.port()) {
        http.set_read_timeout(30);
        http.set_url_encode(false);  // the tests' paths are encoded already
        // A server that refuses an upload before reading it closes the connection under the writer.
        ::signal(SIGPIPE, SIG_IGN);
    }
    httplib::Result submit(const std::string& token, const fs::path& zip, const std::string& method = "m",
                           httplib::Headers headers = {}) {
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        httplib::MultipartFormDataItems items = {{"method", method, "", ""}, {"zip", read_file(zip), "s.zip", "application/zip"}};
        return http.Post("/api/submissions", headers, items);
    }
    json get(const std::string& path, const std::string& token = "") {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        auto res = http.Get(path.c_str(), headers);
        REQUIRE(res);
        return res->status == 200 ? json::parse(res->body) : json{{"status", res->status}};
    }
    // Polls until the submission is done or failed (bounded: 120 s).
    json wait(int64_t id, const std::string& token = "") {
        for (int i = 0; i < 1200; ++i) {
            const json s = get(fmt::format("/api/submissions/{}", id), token);
            const std::string state = s.value("state", "");
            if (state == "done" || state == "failed") return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        FAIL("submission ", id, " was not scored within 120 s");
        return {};
    }
};

// The event log of a submission, read from the server's database (WAL: readable while it runs).
std::vector<std::string> events_of(const fs::path& data, int64_t id) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((data / "r2bench.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT what FROM events WHERE submission_id = ? ORDER BY id", -1, &q, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(q, 1, id);
    std::vector<std::string> out;
    while (sqlite3_step(q) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
}

int64_t id_of(const httplib::Result& res) {
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    return json::parse(res->body)["id"].get<int64_t>();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("serve: a zip uploaded through the API is scored by a worker and ranked with the J&F&R of `score`") {
    Fixture f;
    const std::string token = f.add_team("lab one");
    server::ServerProcess srv(f.serve_argv(), f.data, f.dir / "server.log");
    Client c(srv);
    const int64_t id = id_of(c.submit(token, f.good, "method A"));
    const json s = c.wait(id, token);
    REQUIRE_MESSAGE(s["state"] == "done", s.dump());
    CHECK(s["scores"]["J&F&R"].get<double>() == doctest::Approx(f.expected_jfr).epsilon(1e-12));
    const json board = c.get("/api/leaderboard");
    REQUIRE(board["rows"].size() == 1);
    CHECK(board["rows"][0]["team"] == "lab one");
    CHECK(board["rows"][0]["J&F&R"].get<double>() == doctest::Approx(f.expected_jfr).epsilon(1e-12));
    // The row's report, sandboxed; the pages and the exports.
    auto report = c.http.Get(fmt::format("/submissions/{}/report.html", id).c_str());
    REQUIRE(report);
    CHECK(report->status == 200);
    CHECK(contains(report->get_header_value("Content-Security-Policy"), "sandbox"));
    auto page = c.http.Get("/");
    CHECK(contains(page->body, fmt::format("<a href='/submissions/{}'>method A</a>", id)));
    CHECK(contains(page->get_header_value("Content-Security-Policy"), "script-src 'self'"));
    CHECK(contains(c.http.Get("/leaderboard.csv")->body, "lab one / method A"));
    CHECK(contains(c.http.Get("/teams/lab%20one")->body, "method A"));
    // The same zip again: its result comes from the content-keyed cache, no second worker run.
    const int64_t again = id_of(c.submit(token, f.good, "method A again"));
    CHECK(c.wait(again)["state"] == "done");
    CHECK_FALSE(fs::exists(f.data / fmt::format("jobs/{}", again)));
    srv.stop();
    std::string out;
    REQUIRE(run_command(fmt::format("{} serve --data {} --export {}", R2BENCH_BINARY, f.data.string(), (f.dir / "export").string()), &out) == 0);
    CHECK(contains(read_file(f.dir / "export/leaderboard.md"), "lab one / method A again"));
    CHECK(contains(read_file(f.dir / "export/leaderboard.csv"), fmt::format("{:.6f}", f.expected_jfr)));
}

TEST_CASE("serve: tokens, privacy, withdrawal, hiding, daily limits and cross-site posts") {
    Fixture f;
    const std::string a = f.add_team("a"), b = f.add_team("b"), admin = f.add_team("organisers", true);
    server::ServerProcess srv(f.serve_argv({"--per-day", "2"}), f.data, f.dir / "server.log");
    Client c(srv);
    CHECK(c.submit("", f.good)->status == 401);
    CHECK(c.submit("r2t_" + std::string(48, '0'), f.good)->status == 401);
    CHECK(c.submit(a, f.good, "m", {{"Origin", "http://evil.example"}})->status == 403);
    const int64_t id = id_of(c.submit(a, f.good));
    c.wait(id);
    // Private details for the team and the admin only.
    CHECK(c.get(fmt::format("/api/submissions/{}", id), a).contains("private"));
    CHECK(c.get(fmt::format("/api/submissions/{}", id), admin).contains("private"));
    CHECK_FALSE(c.get(fmt::format("/api/submissions/{}", id), b).contains("private"));
    CHECK_FALSE(c.get(fmt::format("/api/submissions/{}", id)).contains("private"));
    // Another team cannot withdraw it, nor hide it; the admin hides and shows it.
    auto post = [&](const std::string& path, const std::string& token) {
        return c.http.Post(path.c_str(), {{"Authorization", "Bearer " + token}}, "", "text/plain")->status;
    };
    CHECK(post(fmt::format("/api/submissions/{}/withdraw", id), b) == 404);
    CHECK(post(fmt::format("/api/submissions/{}/hide", id), b) == 403);
    CHECK(post(fmt::format("/api/submissions/{}/hide", id), admin) == 200);
    CHECK(c.get("/api/leaderboard")["rows"].empty());
    CHECK(c.get(fmt::format("/api/submissions/{}", id))["status"] == 404);  // hidden: not public
    CHECK(post(fmt::format("/api/submissions/{}/show", id), admin) == 200);
    CHECK(c.get("/api/leaderboard")["rows"].size() == 1);
    // Two a day: the third is refused; withdrawing does not give one back.
    const int64_t second = id_of(c.submit(a, f.other));
    CHECK(c.submit(a, f.variant(1))->status == 429);
    CHECK(post(fmt::format("/api/submissions/{}/withdraw", id), a) == 200);
    c.wait(second);
    const json board = c.get("/api/leaderboard");
    REQUIRE(board["rows"].size() == 1);
    CHECK(board["rows"][0]["id"] == second);
    CHECK(c.submit(a, f.variant(1))->status == 429);
    CHECK(c.submit(b, f.variant(1))->status == 201);  // the limit is per team
}

TEST_CASE("serve: a team's own limits from --add-team and --set-limits apply to it alone, and only it and the organisers see them") {
    Fixture f;
    const int64_t small = 10000;  // the zips are about 25 kB
    REQUIRE(fs::file_size(f.good) > uint64_t(small));
    const std::string one = f.add_team("one a day", false, "--per-day 1");
    const std::string tight = f.add_team("tight", false, fmt::format("--max-upload-bytes {}", small));
    const std::string plain = f.add_team("plain"), admin = f.add_team("organisers", true);
    server::ServerProcess srv(f.serve_argv({"--per-day", "3"}), f.data, f.dir / "server.log");
    Client c(srv);
    // Per day: the team whose own limit is 1 is refused on its second upload; one with the server's 3 is not.
    id_of(c.submit(one, f.good));
    auto second = c.submit(one, f.other);
    REQUIRE(second);
    CHECK(second->status == 429);
    CHECK(contains(second->body, "(1 a day)"));
    id_of(c.submit(plain, f.good));
    id_of(c.submit(plain, f.other));
    // Upload size: the zip the other teams may upload is refused for the team with a smaller limit,
    // through the API (its token known before the body) and through the form (team and token
    // fields before the zip, as a browser sends them), and nothing of it is stored.
    auto api = c.submit(tight, f.good);
    REQUIRE(api);
    CHECK(api->status == 413);
    CHECK(contains(api->body, "the limit of team 'tight' (10000 bytes)"));
    httplib::MultipartFormDataItems form = {{"team", "tight", "", ""}, {"token", tight, "", ""}, {"method", "m", "", ""},
                                            {"zip", read_file(f.good), "s.zip", "application/zip"}};
    httplib::Client form_client(srv.host(), srv.port());
    form_client.set_read_timeout(30);
    if (auto res = form_client.Post("/submit", form)) CHECK(res->status == 413);  // refused while streaming: the client may see a reset
    CHECK(c.get("/api/teams/tight", tight)["submissions"].empty());
    CHECK(c.get("/api/teams/tight", tight)["limits"]["submissions_today"] == 0);

    // Only the team itself and the organisers see its limits (API, team page, submit page).
    const json own = c.get("/api/teams/one%20a%20day", one);
    REQUIRE(own.contains("limits"));
    CHECK(own["limits"]["per_day"] == 1);
    CHECK(own["limits"]["own"]["per_day"] == 1);
    CHECK(own["limits"]["own"]["max_upload_bytes"].is_null());
    CHECK(own["limits"]["max_upload_bytes"] == int64_t(2) << 30);
    CHECK(own["limits"]["submissions_today"] == 1);
    CHECK(c.get("/api/teams/one%20a%20day", admin).contains("limits"));
    CHECK_FALSE(c.get("/api/teams/one%20a%20day", plain).contains("limits"));
    CHECK_FALSE(c.get("/api/teams/one%20a%20day").contains("limits"));
    CHECK(c.get("/api/teams/plain", plain)["limits"]["per_day"] == 3);
    CHECK(c.get("/api/teams/plain", plain)["limits"]["own"]["per_day"].is_null());
    auto page_as = [&](const std::string& path, const std::string& token) {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Cookie", "r2token=" + token);
        auto res = c.http.Get(path.c_str(), headers);
        REQUIRE(res);
        return res->body;
    };
    CHECK(contains(page_as("/submit", tight), "<span id='max-upload' data-bytes='10000'>10000 bytes</span> (the team's own limit)"));
    CHECK(contains(page_as("/submit", one), "<span id='per-day'>1</span> submission per 24 hours (the team's own limit; 1 made"));
    CHECK(contains(page_as("/submit", ""), "3 submissions per team per 24 hours"));
    CHECK_FALSE(contains(page_as("/submit", ""), "id='quota'"));
    CHECK(contains(page_as("/teams/tight", tight), "id='quota'"));
    CHECK_FALSE(contains(page_as("/teams/tight", plain), "id='quota'"));

    // --set-limits changes them for the running server; a limit not given is the server's option again.
    std::string out;
    REQUIRE(run_command(fmt::format("{} serve --data {} --set-limits 'one a day' --per-day 2", R2BENCH_BINARY, f.data.string()), &out) == 0);
    CHECK(contains(out, "team 'one a day': 2 submissions per 24 hours, uploads up to the server's --max-upload-bytes"));
    id_of(c.submit(one, f.other));
    CHECK(c.submit(one, f.variant(0))->status == 429);
    REQUIRE(run_command(fmt::format("{} serve --data {} --set-limits tight", R2BENCH_BINARY, f.data.string()), &out) == 0);
    CHECK(contains(out, "the server's --per-day submissions per 24 hours"));
    id_of(c.submit(tight, f.good));
    CHECK(run_command(fmt::format("{} serve --data {} --set-limits nobody --per-day 1", R2BENCH_BINARY, f.data.string()), &out) != 0);
    CHECK(contains(out, "no team named 'nobody'"));
}

TEST_CASE("serve: withdrawing a submission being scored kills its worker, uncounted and without a retry, and the next job is scored") {
    Fixture f;
    const std::string token = f.add_team("t");
    server::ServerProcess srv(f.serve_argv({"--per-day", "50"}), f.data, f.dir / "server.log");
    Client c(srv);
    const int64_t slow = id_of(c.submit(token, f.good));
    const int64_t next = id_of(c.submit(token, f.other));  // queued behind it: one worker
    // Its worker is stopped (SIGSTOP) as soon as it appears: it cannot end by itself, only the
    // server can make it go (a stopped process still dies of SIGKILL).
    pid_t worker = 0;
    for (int i = 0; i < 20000 && worker == 0; ++i) {
        const auto pids = server::worker_pids(srv.pid());
        if (!pids.empty()) worker = pids[0];
        else std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    REQUIRE(worker != 0);
    REQUIRE(::kill(worker, SIGSTOP) == 0);
    REQUIRE(c.get(fmt::format("/api/submissions/{}", slow), token)["state"] == "scoring");
    auto withdraw = c.http.Post(fmt::format("/api/submissions/{}/withdraw", slow).c_str(), {{"Authorization", "Bearer " + token}}, "", "text/plain");
    REQUIRE(withdraw);
    CHECK(withdraw->status == 200);
    // Gone (killed and reaped) within a few seconds.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        gone = !fs::exists(fmt::format("/proc/{}", worker));
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK_MESSAGE(gone, "worker ", worker, " of a withdrawn submission is still running");
    // Its slot is free: the next job is scored; the withdrawn one stays withdrawn and off the board.
    CHECK(c.wait(next, token)["state"] == "done");
    const json s = c.get(fmt::format("/api/submissions/{}", slow), token);
    CHECK(s["state"] == "withdrawn");
    CHECK(s["private"]["attempts"] == 0);  // the killed attempt is not counted
    const json board = c.get("/api/leaderboard");
    REQUIRE(board["rows"].size() == 1);
    CHECK(board["rows"][0]["id"] == next);
    // Not a worker crash: no requeue, no failure; its temporary folders are gone.
    bool killed = false;
    for (const auto& e : events_of(f.data, slow)) {
        CAPTURE(e);
        CHECK_FALSE(contains(e, "requeued"));
        CHECK_FALSE(contains(e, "failed"));
        killed = killed || contains(e, fmt::format("worker {} killed", worker));
    }
    CHECK(killed);
    CHECK_FALSE(fs::exists(f.data / fmt::format("jobs/{}/attempt-1/tmp", slow)));
    for (const auto& e : fs::directory_iterator(f.data / "results")) {
        const std::string name = e.path().filename().string();
        CHECK_FALSE((contains(name, ".r2bench-tmp-") && name.size() > 8 && name.substr(name.rfind('.')) == fmt::format(".{}", worker)));
    }
    CHECK(c.get(fmt::format("/api/submissions/{}", slow))["status"] == 404);  // withdrawn: not public
}

TEST_CASE("serve: hostile zips fail with their problems, injection is escaped, an oversized upload is refused while streaming") {
    Fixture f;
    const std::string token = f.add_team("<script>alert(\"team\")</script>");
    server::ServerProcess srv(f.serve_argv({"--max-upload-bytes", "2000000", "--per-day", "20"}), f.data, f.dir / "server.log");
    Client c(srv);
    auto make = [&](const std::string& name, const std::vector<std::pair<std::string, std::string>>& entries, bool link = false) {
        const fs::path zip = f.dir / (name + ".zip");
        int error = 0;
        zip_t* z = zip_open(zip.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
        for (const auto& [entry, bytes] : entries) {
            const zip_int64_t i = zip_file_add(z, entry.c_str(), zip_source_buffer(z, bytes.data(), bytes.size(), 0), 0);
            if (link) zip_file_set_external_attributes(z, zip_uint64_t(i), 0, ZIP_OPSYS_UNIX, (0120000 | 0777) << 16);
        }
        REQUIRE(zip_close(z) == 0);
        return zip;
    };
    std::string png;
    for (const auto& e : fs::recursive_directory_iterator(f.dir / "run0/Annotations"))
        if (e.path().extension() == ".png") png = read_file(e.path());
    REQUIRE(!png.empty());
    // The five hostile zips of `score`, and bytes that are no zip at all.
    const std::vector<std::pair<fs::path, std::string>> hostile = {
        {make("slip", {{"Annotations/v/0/00000.png", png}, {"../evil.png", png}}), "zip slip"},
        {make("absolute", {{"/tmp/r2bench-evil.png", png}}), "zip slip"},
        {make("link", {{"Annotations/v/0/00000.png", "/etc/passwd"}}, true), "symbolic links"},
        {make("bomb", {{"Annotations/v/0/00000.png", std::string(size_t(80) << 20, '\0')}}), "PNGs over the limit"},
        {make("script", {{"Annotations/v/0/00000.png", png}, {"run.sh", "rm -rf /"}}), "not PNG files"},
        {make("garbage", {}), ""},
    };
    write_file_atomically(f.dir / "garbage.zip", "this is not a zip");
    std::vector<int64_t> ids;
    for (const auto& [zip, problem] : hostile) ids.push_back(id_of(c.submit(token, zip)));
    for (size_t i = 0; i < ids.size(); ++i) {
        CAPTURE(hostile[i].first);
        const json s = c.wait(ids[i], token);
        CHECK(s["state"] == "failed");
        CHECK(contains(s["private"]["problems"].get<std::string>(), hostile[i].second));
        CHECK_FALSE(contains(s["private"]["problems"].get<std::string>(), f.data.string()));  // no server folder shown
        CHECK_FALSE(s["problem"].get<std::string>().empty());
    }
    CHECK_FALSE(fs::exists("/tmp/r2bench-evil.png"));
    CHECK_FALSE(fs::exists(f.data / "evil.png"));
    CHECK(c.get("/api/leaderboard")["rows"].empty());

    // Over the limit with a Content-Length: refused before the body is read.
    write_file_atomically(f.dir / "big.zip", std::string(3000000, 'x'));
    auto big = c.submit(token, f.dir / "big.zip");
    REQUIRE(big);
    CHECK(big->status == 413);
    // Over the limit without one (chunked): refused once 2 MB arrived, not after 64 MB.
    size_t sent = 0;
    const std::string boundary = "r2bench-boundary";
    const std::string head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"zip\"; filename=\"s.zip\"\r\n"
                             "Content-Type: application/zip\r\n\r\n";
    const std::string chunk(1 << 16, 'z');
    httplib::Client chunked(srv.host(), srv.port());
    chunked.set_read_timeout(30), chunked.set_write_timeout(30);
    auto streamed = chunked.Post("/api/submissions", {{"Authorization", "Bearer " + token}},
                                 [&](size_t, httplib::DataSink& sink) {
                                     if (sent == 0) sink.write(head.data(), head.size());
                                     if (sent >= (size_t(64) << 20)) return sink.done(), true;
                                     sent += chunk.size();
                                     return sink.write(chunk.data(), chunk.size());
                                 },
                                 "multipart/form-data; boundary=" + boundary);
    if (streamed) CHECK(streamed->status == 413);
    CHECK(sent < (size_t(32) << 20));
    for (const auto& e : fs::directory_iterator(f.data / "uploads")) CHECK(e.path().filename().string().rfind(".incoming", 0) != 0);

    // Names are data, never markup or paths: escaped on every page, and the pages forbid inline scripts.
    const int64_t id = id_of(c.submit(token, f.good, "\"><img src=x onerror=alert(1)>"));
    c.wait(id);
    for (const std::string& page : {std::string("/"), fmt::format("/submissions/{}", id), std::string("/teams/%3Cscript%3Ealert(%22team%22)%3C%2Fscript%3E"),
                                   std::string("/leaderboard.html")}) {
        CAPTURE(page);
        auto res = c.http.Get(page.c_str());
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK_FALSE(contains(res->body, "<script>alert"));
        CHECK_FALSE(contains(res->body, "<img src=x"));
        CHECK(contains(res->body, "&lt;script&gt;alert("));
        CHECK(contains(res->get_header_value("Content-Security-Policy"), "default-src 'none'"));
    }
    CHECK(c.http.Get("/teams/..%2F..%2Fetc%2Fpasswd")->status == 404);
    // A form posted from another site is refused before it is read.
    httplib::MultipartFormDataItems form = {{"team", "x", "", ""}, {"token", token, "", ""}, {"method", "m", "", ""},
                                            {"zip", read_file(f.good), "s.zip", "application/zip"}};
    CHECK(c.http.Post("/submit", {{"Origin", "http://evil.example"}}, form)->status == 403);
    CHECK(c.http.Post("/submit", {{"Sec-Fetch-Site", "cross-site"}}, form)->status == 403);
}

TEST_CASE("serve: kill -9 of a worker requeues its job, up to --max-attempts, and kill -9 of the server loses nothing") {
    Fixture f;
    const std::string token = f.add_team("t");
    {
        server::ServerProcess srv(f.serve_argv({"--max-attempts", "2", "--per-day", "50"}), f.data, f.dir / "server.log");
        Client c(srv);
        const int64_t id = id_of(c.submit(token, f.good));
        // Kill every worker of the server as soon as it appears, twice: the job then fails.
        std::set<pid_t> killed;
        for (int i = 0; i < 20000 && killed.size() < 2; ++i) {
            for (pid_t pid : server::worker_pids(srv.pid()))
                if (killed.insert(pid).second) ::kill(pid, SIGKILL);
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        REQUIRE(killed.size() == 2);
        const json s = c.wait(id, token);
        CHECK(s["state"] == "failed");
        CHECK(contains(s["private"]["problems"].get<std::string>(), "killed"));
        CHECK(s["private"]["attempts"] == 2);
        // Killed once only: the retry scores it.
        const int64_t other = id_of(c.submit(token, f.other));
        for (int i = 0; i < 20000; ++i) {
            auto pids = server::worker_pids(srv.pid());
            if (!pids.empty()) {
                ::kill(pids[0], SIGKILL);
                break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        const json o = c.wait(other, token);
        CHECK(o["state"] == "done");
        CHECK(o["private"]["attempts"] == 2);
    }
    // The server killed mid-queue: five distinct uploads, kill -9 once the first is being scored, restart.
    std::vector<int64_t> ids;
    {
        server::ServerProcess srv(f.serve_argv({"--per-day", "50"}), f.data, f.dir / "server.log");
        Client c(srv);
        for (int i = 0; i < 5; ++i) ids.push_back(id_of(c.submit(token, f.variant(i))));
        for (int i = 0; i < 20000 && server::worker_pids(srv.pid()).empty(); ++i) std::this_thread::sleep_for(std::chrono::microseconds(500));
        srv.kill9();
    }
    server::ServerProcess srv(f.serve_argv({"--per-day", "50"}), f.data, f.dir / "server.log");
    Client c(srv);
    for (int64_t id : ids) CHECK(c.wait(id, token)["state"] == "done");
    const json board = c.get("/api/leaderboard");
    std::set<int64_t> on_board;
    for (const auto& row : board["rows"]) on_board.insert(row["id"].get<int64_t>());
    for (int64_t id : ids) CHECK(on_board.count(id) == 1);
    CHECK(board["rows"].size() == on_board.size());  // no row twice
    // Each zip was scored into one result folder, by at most two attempts (the killed one and its retry).
    for (int64_t id : ids) CHECK(c.get(fmt::format("/api/submissions/{}", id), token)["private"]["attempts"].get<int>() <= 2);
}

TEST_CASE("serve: a full upload folder refuses the upload (507) and the server keeps serving, and a tight memory limit fails the worker, not the server") {
    Fixture f;
    const std::string token = f.add_team("t");
    REQUIRE(fs::file_size(f.good) < 1500000);
    {
        // A soft file-size limit of 2 MB on the server: writing a 3 MB upload fails as a full disk would.
        server::ServerProcess srv(f.serve_argv({"--per-day", "50"}), f.data, f.dir / "server.log", 2000000);
        Client c(srv);
        write_file_atomically(f.dir / "big.zip", std::string(3000000, 'x'));
        auto res = c.submit(token, f.dir / "big.zip");
        REQUIRE(res);
        CHECK(res->status == 507);
        for (const auto& e : fs::directory_iterator(f.data / "uploads")) CHECK(e.path().filename().string().rfind(".incoming", 0) != 0);
        const int64_t id = id_of(c.submit(token, f.good));
        CHECK(c.wait(id)["state"] == "done");
    }
    server::ServerProcess srv(f.serve_argv({"--per-day", "50", "--worker-memory-mb", "64"}), f.data, f.dir / "server.log");
    Client c(srv);
    const json s = c.wait(id_of(c.submit(token, f.other)), token);
    CHECK(s["state"] == "failed");
    CHECK(contains(s["private"]["problems"].get<std::string>(), "64 MiB of memory"));
    CHECK(c.get("/api/health").contains("queue"));
}

TEST_CASE("serve: a database left by an older r2bench is upgraded, and a newer or foreign one is refused") {
    TempDir dir;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "r2bench.sqlite").c_str(), &db) == SQLITE_OK);
    const char* v1 =
        "CREATE TABLE teams(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, token_sha256 TEXT NOT NULL UNIQUE, created REAL NOT NULL);"
        "CREATE TABLE submissions(id INTEGER PRIMARY KEY AUTOINCREMENT, team_id INTEGER NOT NULL REFERENCES teams(id), method TEXT NOT NULL,"
        " created REAL NOT NULL, upload TEXT NOT NULL, upload_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, state TEXT NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0, progress TEXT NOT NULL DEFAULT '', problems TEXT NOT NULL DEFAULT '',"
        " summary TEXT NOT NULL DEFAULT '', started REAL, finished REAL);"
        "INSERT INTO teams VALUES (1, 'old team', 'x', 0);"
        "INSERT INTO submissions(team_id, method, created, upload, upload_bytes, sha256, state, summary) VALUES"
        " (1, 'old method', 0, '1.zip', 10, 'abc', 'done', '{\"metrics\": {\"J\": 0.5, \"F\": 0.7, \"J&F\": 0.6, \"R\": 0.9, \"J&F&R\": 0.7}}');"
        "PRAGMA user_version=1;";
    REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    {
        server::Store store(dir.path);
        const auto scored = store.scored(false);
        REQUIRE(scored.size() == 1);
        CHECK(scored[0].method == "old method");
        CHECK_FALSE(scored[0].hidden);
        CHECK(store.set_hidden(scored[0].id, true));  // the new column works
        CHECK(store.scored(false).empty());
        CHECK_FALSE(store.add_team("new team", true).empty());
        // Schema 3: the old team has no limits of its own (the server's options), and may be given some.
        auto old = store.team_by_name("old team");
        REQUIRE(old);
        CHECK_FALSE(old->limits.per_day.has_value());
        CHECK_FALSE(old->limits.max_upload_bytes.has_value());
        CHECK(server::team_limits(*old, {5, 1000}).per_day == 5);
        const server::Team set = store.set_limits("old team", {2, std::nullopt});
        CHECK(set.limits.per_day == 2);
        CHECK(server::team_limits(set, {5, 1000}).per_day == 2);
        CHECK(server::team_limits(set, {5, 1000}).max_upload_bytes == 1000);
        CHECK_FALSE(store.add_team("limited", false, {std::nullopt, 12345}).empty());
        CHECK(store.team_by_name("limited")->limits.max_upload_bytes == 12345);
        CHECK(store.largest_team_upload_limit() == 12345);
        CHECK_THROWS_AS(store.set_limits("nobody", {}), server::Refused);
        // And it keeps working: the old team submits under its new limit of 2 a day.
        fs::create_directories(dir / "uploads");
        for (int i = 0; i < 3; ++i) {
            write_file_atomically(dir / "incoming", "zip");
            const int per_day = server::team_limits(*store.team_by_name("old team"), {5, 1000}).per_day;
            if (i < 2) CHECK(store.add_submission(*old, "new method", dir / "incoming", dir / "uploads", 3, "def", per_day) > 1);
            else CHECK_THROWS_AS(store.add_submission(*old, "new method", dir / "incoming", dir / "uploads", 3, "def", per_day), server::Refused);
        }
        CHECK(store.team_submissions(old->id).size() == 3);
    }
    {
        REQUIRE(sqlite3_open((dir / "r2bench.sqlite").c_str(), &db) == SQLITE_OK);
        sqlite3_stmt* q = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(q) == SQLITE_ROW);
        CHECK(sqlite3_column_int(q, 0) == server::Store::kSchemaVersion);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
    REQUIRE(sqlite3_open((dir / "r2bench.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    CHECK_THROWS_WITH_AS(server::Store{dir.path}, doctest::Contains("newer r2bench"), FileError);
    TempDir foreign;
    write_file_atomically(foreign / "r2bench.sqlite", std::string(4096, 'x'));
    CHECK_THROWS_WITH_AS(server::Store{foreign.path}, doctest::Contains("r2bench.sqlite"), FileError);
}

TEST_CASE("serve: a status page reloads itself while its submission is queued or scoring, and stops once it is done or failed") {
    const std::string refresh = "<meta http-equiv='refresh' content='3'>";
    server::Submission s;
    s.id = 3;
    s.team = "lab";
    s.method = "m";
    for (server::State state : {server::State::queued, server::State::scoring}) {
        s.state = state;
        CHECK(contains(server::status_page(s, server::Viewer{}, 0), refresh));
    }
    s.state = server::State::failed;
    CHECK_FALSE(contains(server::status_page(s, server::Viewer{}, 0), "http-equiv"));
}
