// `r2bench bench serve`: the evaluation server under load, on loopback and bounded. A synth set,
// its R² pairs and noisy-oracle runs are generated; `clients` threads upload `submissions` zips (each
// distinct, so each is scored) while another thread reads the board; the figures are how fast the
// queue is scored against `r2bench score` of one zip run alone in the same run, and the board's
// latency under that load against the same reads on the idle server.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/bench_eval.h"
#include "cli/bench_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"
#include "runners/baseline.h"
#include "server/process.h"
#include "server/server.h"
#include "server/zip_folder.h"

namespace r2::cli {
namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())))];
}

// Milliseconds of each GET /api/leaderboard (and every 5th, the HTML board) until `stop`.
std::vector<double> read_board(const server::ServerProcess& srv, const std::atomic<bool>& stop, int max_reads) {
    httplib::Client client(srv.host(), srv.port());
    client.set_read_timeout(10);
    std::vector<double> ms;
    for (int i = 0; !stop && i < max_reads; ++i) {
        const auto start = Clock::now();
        auto res = client.Get(i % 5 == 4 ? "/" : "/api/leaderboard");
        if (!res || res->status != 200) throw Error(fmt::format("bench serve: reading the board failed ({})", res ? res->status : -1));
        ms.push_back(1000 * seconds_since(start));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ms;
}

struct Data {
    fs::path gt, pairs;
    std::vector<fs::path> zips;
};

Data make_data(const fs::path& root, const BenchServeOptions& o) {
    Data d{root / "synth", root / "r2/r2_pairs.json", {}};
    synth::write_synth_dataset(d.gt, synth::synth_preset(o.preset));
    const SourceTree source = read_source_tree(d.gt, SourceFormat::ref_youtube_vos, "valid");
    write_r2(root / "r2", build_r2(source, nullptr, {}), source, nullptr, false, false);
    const int runs = std::max(1, std::min(o.distinct_runs, o.submissions));
    for (int r = 0; r < runs; ++r)
        run_baseline(d.gt, "valid", d.pairs, root / fmt::format("runs/{}", r), BaselineOptions{"noisy-oracle", uint64_t(r)});
    // Each upload is a run with its own run.json: distinct bytes, so the server's cache cannot
    // answer for it and every upload is scored.
    for (int i = 0; i < o.submissions; ++i) {
        d.zips.push_back(root / fmt::format("zips/{}.zip", i));
        fs::create_directories(d.zips.back().parent_path());
        server::zip_folder(root / fmt::format("runs/{}", i % runs), d.zips.back(),
                           {{"run.json", json{{"model", "noisy-oracle"}, {"upload", i}}.dump()}});
    }
    return d;
}

}  // namespace

int run_bench_serve(const BenchServeOptions& o) {
    if (o.submissions < 1 || o.clients < 1) throw Error("bench serve: --submissions and --clients must be ≥ 1");
    const fs::path root = o.keep_dir.empty() ? fs::temp_directory_path() / fmt::format("r2bench-bench-serve-{}", ::getpid())
                                             : fs::path(o.keep_dir);
    fs::remove_all(root / "server");
    fmt::print("bench serve: synth {}, {} uploads from {} clients, {} worker(s) (generating …)\n", o.preset, o.submissions, o.clients,
               o.workers);
    std::fflush(stdout);
    Progress::set_quiet(true);
    const Data d = make_data(root, o);
    std::error_code ec;
    const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
    if (ec) throw Error("bench serve: cannot find its own executable");

    // Baseline: `r2bench score` of one zip, alone.
    const double one_score = process_seconds({self, "score", d.zips[0].string(), "--source", d.gt.string(), "--pairs", d.pairs.string(),
                                              "--out", (root / "baseline").string(), "--report"});

    const fs::path data = root / "server";
    std::vector<std::string> tokens;
    for (int c = 0; c < o.clients; ++c) tokens.push_back(server::add_team(data, fmt::format("team{}", c), false));
    server::ServerProcess srv({self, "serve", "--source", d.gt.string(), "--pairs", d.pairs.string(), "--data", data.string(), "--port",
                               "0", "--workers", std::to_string(o.workers), "--per-day", std::to_string(o.submissions + 1)},
                              data, root / "server.log");
    std::atomic<bool> stop{false};
    const std::vector<double> idle = read_board(srv, stop, 100);

    // Load: the uploads, the board read throughout, the queue followed until it is empty.
    std::vector<double> loaded;
    std::thread reader([&] { loaded = read_board(srv, stop, 1000000); });
    std::mutex mutex;
    std::vector<int64_t> ids;
    std::vector<std::string> errors;
    const auto start = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < o.clients; ++c)
        clients.emplace_back([&, c] {
            httplib::Client client(srv.host(), srv.port());
            client.set_read_timeout(60);
            client.set_bearer_token_auth(tokens[size_t(c)].c_str());
            for (int i = c; i < o.submissions; i += o.clients) {
                httplib::MultipartFormDataItems items = {{"method", fmt::format("upload {}", i), "", ""},
                                                         {"zip", read_file(d.zips[size_t(i)]), "submission.zip", "application/zip"}};
                auto res = client.Post("/api/submissions", items);
                std::lock_guard lock(mutex);
                if (res && res->status == 201) ids.push_back(json::parse(res->body)["id"].get<int64_t>());
                else errors.push_back(res ? res->body : "no response");
            }
        });
    for (auto& t : clients) t.join();
    const double uploaded = seconds_since(start);
    httplib::Client poll(srv.host(), srv.port());
    int done = 0, failed = 0;
    while (seconds_since(start) < o.timeout_s) {
        done = failed = 0;
        for (int64_t id : ids) {
            auto res = poll.Get(fmt::format("/api/submissions/{}", id).c_str());
            const std::string state = res && res->status == 200 ? json::parse(res->body).value("state", "") : "";
            done += state == "done", failed += state == "failed";
        }
        if (done + failed == int(ids.size())) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    const double scored = seconds_since(start);
    stop = true;
    reader.join();
    auto board = poll.Get("/api/leaderboard");
    const size_t rows = board && board->status == 200 ? json::parse(board->body)["rows"].size() : 0;
    srv.stop();
    // Exactly once: one worker folder per submission (an attempt each), one result per zip.
    int attempts = 0, results = 0;
    for (const auto& e : fs::recursive_directory_iterator(data / "jobs")) attempts += e.path().filename().string().rfind("attempt-", 0) == 0;
    for (const auto& e : fs::directory_iterator(data / "results")) results += e.path().filename().string()[0] != '.';

    const double per_minute = 60.0 * double(done) / scored;
    fmt::print("  uploads: {} accepted, {} refused, in {:.2f} s\n", ids.size(), errors.size(), uploaded);
    fmt::print("  scored:  {} done, {} failed in {:.1f} s: {:.1f} submissions per minute with {} worker(s)\n", done, failed, scored,
               per_minute, o.workers);
    fmt::print("  baseline: `r2bench score` of one zip alone {:.2f} s ({:.1f} per minute); the server reaches {:.0f} % of it\n", one_score,
               60.0 / one_score, 100.0 * per_minute / (60.0 / one_score));
    fmt::print("  exactly once: {} worker runs and {} results for {} submissions; the board has {} rows\n", attempts, results, ids.size(), rows);
    fmt::print("  board latency idle:          p50 {:.1f} ms, p99 {:.1f} ms ({} reads)\n", percentile(idle, 50), percentile(idle, 99), idle.size());
    fmt::print("  board latency while scoring: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms ({} reads; goal p99 < 100 ms), {:.1f}x idle p99\n",
               percentile(loaded, 50), percentile(loaded, 99), percentile(loaded, 100), loaded.size(),
               percentile(loaded, 99) / std::max(1e-3, percentile(idle, 99)));
    for (const auto& e : errors) fmt::print("  refused: {}\n", e);
    const bool ok = errors.empty() && done == o.submissions && attempts == o.submissions && results == o.submissions &&
                    rows == size_t(o.submissions);
    if (!ok) fmt::print("bench serve: FAILED: not every submission was scored exactly once (server log: {})\n", (root / "server.log").string());
    if (o.keep_dir.empty() && ok) fs::remove_all(root);
    return ok ? 0 : 1;
}

}  // namespace r2::cli
