#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>
#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zip.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "core/pairs.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/synth.h"
#include "reports/eval_report.h"
#include "reports/html_report.h"
#include "reports/leaderboard.h"
#include "reports/per_frame_h5.h"
#include "reports/regress.h"
#include "reports/submission.h"
#include "reports/svg.h"
#include "runners/baseline.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// synth tiny → R² pairs → a noisy-oracle submission, shared by the tests below.
struct Fixture {
    TempDir dir;
    fs::path gt, pairs, sub;
    Fixture() {
        gt = dir / "synth", pairs = dir / "r2/r2_pairs.json", sub = dir / "sub";
        synth::write_synth_dataset(gt, synth::synth_preset("tiny"));
        const SourceTree source = read_source_tree(gt, SourceFormat::ref_youtube_vos, "valid");
        write_r2(dir / "r2", build_r2(source, nullptr, {}), source, nullptr, false, false);
        run_baseline(gt, "valid", pairs, sub, BaselineOptions{});
    }
    EvalResult eval(const fs::path& out) {
        EvalPaths p;
        p.predictions = sub, p.gt = gt, p.pairs = pairs;
        const EvalInput input = load_eval_input(p);
        const EvalResult r = evaluate(input);
        write_eval_report(out, r, input);
        return r;
    }
};

// A zip with the given (name, content) entries; `link` entries become Unix symlinks.
void make_zip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& entries,
              const std::set<std::string>& links = {}) {
    int error = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    REQUIRE(z != nullptr);
    std::vector<std::string> keep;  // zip_source_buffer does not copy
    keep.reserve(entries.size());
    for (const auto& [name, content] : entries) {
        if (!name.empty() && name.back() == '/') {
            REQUIRE(zip_dir_add(z, name.c_str(), ZIP_FL_ENC_UTF_8) >= 0);
            continue;
        }
        keep.push_back(content);
        zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
        const zip_int64_t index = zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8);
        REQUIRE(index >= 0);
        if (links.count(name)) zip_file_set_external_attributes(z, zip_uint64_t(index), 0, ZIP_OPSYS_UNIX, (S_IFLNK | 0777) << 16);
    }
    REQUIRE(zip_close(z) == 0);
}

std::string png() { return encode_palette_png(LabelMap(4, 4, 1)); }

size_t count_files(const fs::path& dir) {
    size_t n = 0;
    if (!fs::exists(dir)) return 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
}

}  // namespace

TEST_CASE("reports: per_frame.h5 reads back and agrees with the CSV and the results") {
    Fixture f;
    const EvalResult r = f.eval(f.dir / "eval");
    const PerFrameTable t = read_per_frame_h5(f.dir / "eval/per_frame.h5");
    CHECK(t.has_gt);
    CHECK(t.has_pairs);
    REQUIRE(t.expressions.size() == r.expressions.size());
    size_t positive_frames = 0, negative_frames = 0;
    for (const auto& e : r.expressions) positive_frames += e.j.size(), negative_frames += e.negative_pixels_per_frame.size();
    CHECK(t.positive.size() == positive_frames);
    CHECK(t.negative.size() == negative_frames);
    // Per-expression means from the HDF5 rows equal per_expression.csv's (6 decimals).
    std::istringstream csv(read_file(f.dir / "eval/per_expression.csv"));
    std::string line;
    std::getline(csv, line);
    for (size_t e = 0; e < t.expressions.size(); ++e) {
        REQUIRE(std::getline(csv, line));
        std::vector<std::string> cells;
        std::stringstream row(line);
        for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
        double j = 0, n = 0;
        int64_t pos = 0, neg = 0;
        for (const auto& p : t.positive)
            if (p.expression == int(e)) j += p.j, n += 1, pos += p.pixels;
        for (const auto& p : t.negative)
            if (p.expression == int(e)) neg += p.pixels;
        CHECK(cells[0] == t.expressions[e].video);
        CHECK(cells[1] == t.expressions[e].exp_id);
        CHECK(std::stod(cells[5]) == doctest::Approx(j / n).epsilon(1e-6));
        CHECK(std::stoll(cells[12]) == pos);
        CHECK(std::stoll(cells[13]) == neg);
    }
}

TEST_CASE("reports: per_frame.h5 is byte-identical across eval runs and thread counts") {
    Fixture f;
    std::string first;
    for (int threads : {1, 3}) {
        const fs::path out = f.dir / fmt::format("eval-{}", threads);
        std::string log;
        REQUIRE_MESSAGE(run_command(fmt::format("{} eval --threads {} --quiet --pred {} --source {} --pairs {} --out {}", R2BENCH_BINARY,
                                                threads, f.sub.string(), f.gt.string(), f.pairs.string(), out.string()),
                                    &log) == 0,
                        log);
        const std::string bytes = read_file(out / "per_frame.h5");
        REQUIRE(bytes.size() > 1000);
        if (first.empty()) {
            first = bytes;
            // HDF5 timestamps count seconds: the second run starts in a later one.
            std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        } else {
            CHECK(bytes == first);
        }
    }
}

TEST_CASE("svg: escape makes text safe in elements and in single- and double-quoted attributes") {
    CHECK(svg::escape("Tom & Jerry's <b>\"dog\"</b>") == "Tom &amp; Jerry&#39;s &lt;b&gt;&quot;dog&quot;&lt;/b&gt;");
    CHECK(svg::escape("dog\u2019s") == "dog\u2019s");  // non-ASCII text passes through
    CHECK(svg::escape("") == "");
}

TEST_CASE("reports: report.html holds every video and the summary numbers") {
    Fixture f;
    const EvalResult r = f.eval(f.dir / "eval");
    const std::string html = read_file(write_html_report(f.dir / "eval"));
    for (const auto& v : r.videos) CHECK_MESSAGE(html.find(">" + v.video + "<") != std::string::npos, v.video);
    for (double v : {r.summary.jf, r.summary.j.mean, r.summary.f.mean, *r.summary.r, *r.summary.jfr})
        CHECK(html.find(fmt::format("<td>{:.1f}</td>", 100 * v)) != std::string::npos);
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("data:image/jpeg;base64,") != std::string::npos);
    CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no other network reference
    CHECK(html.find("https://") == std::string::npos);
}

TEST_CASE("score: malicious zips are refused, nothing is written outside --out") {
    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs;
    const std::string ok = png();
    struct Case {
        const char* name;
        std::vector<std::pair<std::string, std::string>> entries;
        std::set<std::string> links;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"slip", {{"Annotations/v/0/00000.png", ok}, {"../evil.png", ok}}, {}, "zip slip"},
        {"absolute", {{"/tmp/evil.png", ok}}, {}, "zip slip"},
        {"link", {{"Annotations/v/0/00000.png", "/etc/passwd"}}, {"Annotations/v/0/00000.png"}, "symbolic links"},
        {"duplicate", {{"Annotations/v/0/00000.png", ok}, {"Annotations/v/0/./00000.png", ok}}, {}, "duplicate entries"},
        {"not_png", {{"Annotations/v/0/00000.png", ok}, {"Annotations/readme.txt", "hi"}, {"run.sh", "rm -rf /"}}, {},
         "2 entries are not PNG files"},
        {"bomb", {{"Annotations/v/0/00000.png", std::string(5000, '\0')}}, {}, "PNGs over the limit"},
        {"empty", {{"Annotations/", ""}}, {}, "holds no PNG files"},
    };
    o.limits.max_png_bytes = 4000;
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        const fs::path zip = f.dir / (std::string(c.name) + ".zip");
        make_zip(zip, c.entries, c.links);
        const fs::path out = f.dir / "scores" / c.name;
        CHECK_THROWS_WITH_AS(score_submission(zip, out, o), doctest::Contains(c.message), FileError);
        CHECK(count_files(out) == 0);  // no report, no extracted file
        CHECK_FALSE(fs::exists(f.dir / "evil.png"));
        CHECK_FALSE(fs::exists("/tmp/evil.png"));
    }
    // Too many entries, and an uncompressed total over the limit.
    o.limits = ZipLimits{};
    o.limits.max_entries = 1;
    make_zip(f.dir / "many.zip", {{"Annotations/a.png", ok}, {"Annotations/b.png", ok}});
    CHECK_THROWS_WITH_AS(score_submission(f.dir / "many.zip", f.dir / "scores/many", o), doctest::Contains("over the limit of 1"), FileError);
    o.limits = ZipLimits{};
    o.limits.max_total_bytes = 100;
    make_zip(f.dir / "total.zip", {{"Annotations/a.png", ok}, {"Annotations/b.png", ok}});
    CHECK_THROWS_WITH_AS(score_submission(f.dir / "total.zip", f.dir / "scores/total", o), doctest::Contains("uncompressed total"), FileError);
}

TEST_CASE("score: a good zip scores like its folder, also when wrapped in one top folder") {
    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs;
    std::vector<std::pair<std::string, std::string>> entries, wrapped;
    for (const auto& e : fs::recursive_directory_iterator(f.sub))
        if (e.is_regular_file()) {
            const std::string rel = fs::relative(e.path(), f.sub).generic_string();
            entries.push_back({rel, read_file(e.path())});
            wrapped.push_back({"team/" + rel, read_file(e.path())});
        }
    make_zip(f.dir / "good.zip", entries);
    make_zip(f.dir / "wrapped.zip", wrapped);
    // What macOS, Windows and `r2bench run` add to a zipped folder is ignored, not refused.
    auto junk = wrapped;
    junk.push_back({"__MACOSX/team/._Annotations", "x"});
    junk.push_back({"team/.DS_Store", "x"});
    junk.push_back({"team/Annotations/Thumbs.db", "x"});
    junk.push_back({"team/.r2bench-output.json", "{\"command\": \"run\"}"});
    make_zip(f.dir / "junk.zip", junk);
    const EvalResult from_dir = score_submission(f.sub, f.dir / "s_dir", o);
    CHECK(*score_submission(f.dir / "junk.zip", f.dir / "s_junk", o).summary.jfr == *from_dir.summary.jfr);
    const EvalResult from_zip = score_submission(f.dir / "good.zip", f.dir / "s_zip", o);
    const EvalResult from_wrapped = score_submission(f.dir / "wrapped.zip", f.dir / "s_wrapped", o);
    CHECK(*from_zip.summary.jfr == *from_dir.summary.jfr);
    CHECK(*from_wrapped.summary.jfr == *from_dir.summary.jfr);
    for (const auto& e : fs::directory_iterator(f.dir / "s_zip")) CHECK(e.path().filename().string()[0] != '.');  // scratch removed
}

TEST_CASE("score: a run folder zipped whole (with its scores.json and run.json) scores, and its alignment is read") {
    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs;
    // The run's own files: A = 0.9 on every positive pair and 0.1 on every negative one.
    json pairs = json::array();
    for (const auto& p : read_r2_pairs(f.pairs).pairs)
        pairs.push_back({{"video", p.positive_video}, {"exp_id", p.exp_id}, {"negative_video", p.negative_video},
                         {"positive", {{"alignment", 0.9}, {"rejected", false}}}, {"negative", {{"alignment", 0.1}, {"rejected", true}}}});
    const std::string scores = json{{"schema_version", 1}, {"model", "r2vos_tiny"}, {"pairs", pairs}}.dump();
    std::vector<std::pair<std::string, std::string>> entries = {{"run/scores.json", scores}, {"run/run.json", "{}"},
                                                                {"run/.r2bench-output.json", "{\"command\": \"run\"}"}};
    for (const auto& e : fs::recursive_directory_iterator(f.sub))
        if (e.is_regular_file()) entries.push_back({"run/" + fs::relative(e.path(), f.sub).generic_string(), read_file(e.path())});
    make_zip(f.dir / "run.zip", entries);
    const SubmissionScores scored = score_submission_with_protocol(f.dir / "run.zip", f.dir / "s", o);
    const json summary = json::parse(read_file(f.dir / "s/summary.json"));
    CHECK(summary["alignment"]["auroc"] == 1.0);
    // `score` prints the alignment line `eval` prints, read from the zip's scores.json.
    CHECK(scored.alignment_table.find(fmt::format("alignment A (r2vos_tiny): AUROC 100.0, accuracy 100.0 ({0} positive and {0} negative "
                                                  "pairs; rejected 0 and {0})", pairs.size())) != std::string::npos);
    CHECK(summary["alignment"]["rejected_negative"] == pairs.size());
    // Anything else that is not a PNG is still refused, saying what a submission may hold.
    entries.push_back({"run/notes.txt", "x"});
    make_zip(f.dir / "notes.zip", entries);
    CHECK_THROWS_WITH_AS(score_submission(f.dir / "notes.zip", f.dir / "s2", o), doctest::Contains("may hold its run's scores.json"),
                         FileError);
}

// subs/ with three submissions: noisy (the fixture's), oracle (perfect) and broken.zip (no PNG).
void make_three_submissions(const Fixture& f) {
    fs::create_directories(f.dir / "subs");
    fs::copy(f.sub, f.dir / "subs/noisy", fs::copy_options::recursive);
    run_baseline(f.gt, "valid", f.pairs, f.dir / "subs/oracle", BaselineOptions{"oracle", 0, 0});
    make_zip(f.dir / "subs/broken.zip", {{"notes.txt", "x"}});
}

TEST_CASE("leaderboard: ranking, broken rows and caching") {
    std::vector<LeaderboardRow> rows(4);
    rows[0].name = "b", rows[0].jfr = 0.5, rows[0].jf = 0.6;
    rows[1].name = "a", rows[1].jfr = 0.5, rows[1].jf = 0.7;  // tie on J&F&R, better J&F
    rows[2].name = "c", rows[2].error = "broken";
    rows[3].name = "d", rows[3].jfr = 0.9, rows[3].jf = 0.1;
    rank_leaderboard(rows);
    CHECK(rows[0].name == "d");
    CHECK(rows[1].name == "a");
    CHECK(rows[2].name == "b");
    CHECK(rows[3].name == "c");

    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs;
    make_three_submissions(f);
    const auto first = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
    REQUIRE(first.size() == 3);
    CHECK(first[0].name == "oracle");
    CHECK(*first[0].jfr == 1.0);
    CHECK(first[1].name == "noisy");
    CHECK(first[2].name == "broken.zip");
    CHECK(first[2].error.find("not PNG") != std::string::npos);
    for (const auto& r : first) CHECK_FALSE(r.cached);
    const auto second = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
    for (const auto& r : second) CHECK(r.cached);
    CHECK(*second[1].jfr == *first[1].jfr);
    // A changed submission is scored again; the others come from the cache.
    for (const auto& e : fs::recursive_directory_iterator(f.dir / "subs/noisy/Negatives"))
        if (e.is_regular_file()) {
            write_file_atomically(e.path(), encode_palette_png(LabelMap(64, 64, 1)));
            break;
        }
    const auto third = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
    for (const auto& r : third) CHECK(r.cached == (r.name != "noisy"));
    const std::string md = read_file(f.dir / "lb/leaderboard.md");
    CHECK(md.find("| 1 | [oracle](submissions/oracle/report.html) | 100.0") != std::string::npos);
    // The public pages: no internal words; a broken submission gets a short note and a link to its full list.
    CHECK(md.find("cached") == std::string::npos);
    CHECK(read_file(f.dir / "lb/leaderboard.html").find("cached") == std::string::npos);
    CHECK(md.find("| - | broken.zip |") != std::string::npos);
    CHECK(md.find("[all problems](submissions/broken.zip/problems.txt)") != std::string::npos);
    CHECK(md.find(f.dir.path.string()) == std::string::npos);  // no organiser's paths
    CHECK(read_file(f.dir / "lb/submissions/broken.zip/problems.txt").find("notes.txt") != std::string::npos);
    // A rerun into a fresh folder that reuses an earlier board (as the CLI does when replacing it).
    const auto fourth = build_leaderboard(f.dir / "subs", f.dir / "lb2", o, f.dir / "lb");
    for (const auto& r : fourth) CHECK(r.cached);
    CHECK(fs::exists(f.dir / "lb2/submissions/oracle/summary.json"));
    CHECK(fs::exists(f.dir / "lb2/submissions/broken.zip/problems.txt"));
    CHECK(fs::exists(f.dir / "lb/leaderboard.csv"));
    CHECK(fs::exists(f.dir / "lb/leaderboard.html"));
}

// The cache entry of the submission whose report (summary.json) is `report`'s.
fs::path cache_entry_of(const fs::path& board, const fs::path& report) {
    const json summary = json::parse(read_file(report / "summary.json"));
    for (const auto& e : fs::directory_iterator(board / "cache")) {
        const json entry = json::parse(read_file(e.path()));
        if (entry.contains("summary") && entry["summary"] == summary) return e.path();
    }
    FAIL("no cache entry for " << report);
    return {};
}

TEST_CASE("leaderboard: the cache can never serve a stale score") {
    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs;
    make_three_submissions(f);
    const auto first = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
    REQUIRE(first[0].name == "oracle");
    CHECK(*first[0].jf == 1.0);
    auto by_name = [](const std::vector<LeaderboardRow>& rows, const std::string& name) {
        for (const auto& r : rows)
            if (r.name == name) return r;
        FAIL("no row " << name);
        return LeaderboardRow{};
    };

    SUBCASE("an edited ground-truth mask rescores every submission, to what a fresh eval gives") {
        fs::path first_mask;
        for (const auto& e : fs::recursive_directory_iterator(f.gt / "valid/Annotations"))
            if (e.is_regular_file() && (first_mask.empty() || e.path() < first_mask)) first_mask = e.path();
        const LabelMap old_mask = read_label_png(first_mask);
        write_palette_png(first_mask, LabelMap(old_mask.width, old_mask.height, 1));
        const auto second = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        for (const auto& r : second) CHECK_FALSE(r.cached);
        EvalPaths p;
        p.predictions = f.dir / "subs/oracle", p.gt = f.gt, p.pairs = f.pairs;
        const EvalResult fresh = evaluate(load_eval_input(p));
        const LeaderboardRow oracle = by_name(second, "oracle");
        CHECK(*oracle.jf < 1.0);
        CHECK(*oracle.jf == fresh.summary.jf);
        const auto third = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        for (const auto& r : third) CHECK(r.cached);
        CHECK(*by_name(third, "oracle").jf == fresh.summary.jf);
    }
    SUBCASE("a changed pairs file or --allow-missing is another key") {
        auto pairs = json::parse(read_file(f.pairs));
        pairs["note"] = "edited";
        write_file_atomically(f.pairs, pairs.dump());
        for (const auto& r : build_leaderboard(f.dir / "subs", f.dir / "lb", o)) CHECK_FALSE(r.cached);
        o.allow_missing = true;
        for (const auto& r : build_leaderboard(f.dir / "subs", f.dir / "lb", o)) CHECK_FALSE(r.cached);
    }
    SUBCASE("the same bytes elsewhere keep their results") {
        fs::copy(f.gt, f.dir / "moved", fs::copy_options::recursive);
        o.gt = f.dir / "moved";
        for (const auto& r : build_leaderboard(f.dir / "subs", f.dir / "lb", o)) CHECK(r.cached);
    }
    SUBCASE("damaged, foreign or orphaned cache entries are misses") {
        const fs::path noisy_entry = cache_entry_of(f.dir / "lb", f.dir / "lb/submissions/noisy");
        const fs::path oracle_entry = cache_entry_of(f.dir / "lb", f.dir / "lb/submissions/oracle");
        const std::string noisy_bytes = read_file(noisy_entry);
        // Truncated: rescored, to the same numbers, and the entry rewritten whole.
        write_file_atomically(noisy_entry, noisy_bytes.substr(0, noisy_bytes.size() / 2));
        auto rows = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        CHECK_FALSE(by_name(rows, "noisy").cached);
        CHECK(by_name(rows, "noisy").error.empty());
        CHECK(*by_name(rows, "noisy").jfr == *by_name(first, "noisy").jfr);
        CHECK(by_name(rows, "oracle").cached);
        CHECK(read_file(noisy_entry) == noisy_bytes);
        // Another submission's entry under this key (valid JSON, a perfect score): not this key's, a miss.
        fs::copy_file(oracle_entry, noisy_entry, fs::copy_options::overwrite_existing);
        rows = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        CHECK_FALSE(by_name(rows, "noisy").cached);
        CHECK(*by_name(rows, "noisy").jfr == *by_name(first, "noisy").jfr);
        // An entry of the right key whose metrics were tampered with into text: a miss.
        auto entry = json::parse(read_file(noisy_entry));
        entry["summary"]["metrics"]["J"] = "high";
        write_file_atomically(noisy_entry, entry.dump());
        CHECK_FALSE(by_name(build_leaderboard(f.dir / "subs", f.dir / "lb", o), "noisy").cached);
        // A result whose report folder is gone is scored again rather than shown without one.
        fs::remove_all(f.dir / "lb/submissions/noisy");
        rows = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        CHECK_FALSE(by_name(rows, "noisy").cached);
        CHECK(fs::exists(f.dir / "lb/submissions/noisy/summary.json"));
        // A damaged entry is never reported as the team's error.
        for (const auto& e : fs::directory_iterator(f.dir / "lb/cache")) write_file_atomically(e.path(), "{\"key\": ");
        rows = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        for (const auto& r : rows) {
            CHECK_FALSE(r.cached);
            CHECK(r.error.empty() == (r.name != "broken.zip"));
        }
    }
    SUBCASE("nothing to rank is an error, not an empty board") {
        fs::create_directories(f.dir / "none");
        CHECK_THROWS_WITH_AS(build_leaderboard(f.dir / "none", f.dir / "lb_none", o), doctest::Contains("holds no submissions"),
                             FileError);
        fs::create_directories(f.dir / "all_broken");
        fs::copy(f.dir / "subs/broken.zip", f.dir / "all_broken/broken.zip");
        CHECK_THROWS_WITH_AS(build_leaderboard(f.dir / "all_broken", f.dir / "lb_broken", o),
                             doctest::Contains("broken.zip: "), InputProblems);
    }
}

TEST_CASE("leaderboard: a degenerate pair head is noted beside its AUROC") {
    LeaderboardRow row;
    row.name = "tiny", row.jfr = 0.3, row.jf = 0.2, row.auroc = 0.562, row.auroc_degenerate = true;
    CHECK(leaderboard_row_note(row) == "the alignment scores do not separate pairs (its AUROC is noise)");
    CHECK(leaderboard_markdown({row}).find("| 56.2 | yes |") != std::string::npos);
    CHECK(leaderboard_html({row}).find("do not separate pairs (its AUROC is noise)") != std::string::npos);
    row.missing_positive_frames = 2;
    CHECK(leaderboard_row_note(row).find("ranked after complete submissions; the alignment scores do not separate pairs") !=
          std::string::npos);
    row.missing_positive_frames = 0, row.auroc_degenerate = false;
    CHECK(leaderboard_row_note(row).empty());
}

TEST_CASE("leaderboard: a submission without Negatives/ ranks after a complete one, marked, R not reported") {
    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs, o.allow_missing = true;
    fs::create_directories(f.dir / "subs");
    fs::copy(f.sub, f.dir / "subs/noisy", fs::copy_options::recursive);  // complete, imperfect
    // A perfect oracle that left its negative frames out: counted as empty they would give R = 100.
    run_baseline(f.gt, "valid", f.pairs, f.dir / "subs/a-oracle-no-negatives", BaselineOptions{"oracle", 0, 0});
    fs::remove_all(f.dir / "subs/a-oracle-no-negatives/Negatives");
    const auto rows = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].name == "noisy");
    CHECK_FALSE(rows[0].incomplete());
    CHECK(rows[0].jfr.has_value());
    CHECK(*rows[0].jfr < 1.0);
    CHECK(rows[1].name == "a-oracle-no-negatives");
    CHECK(rows[1].incomplete());
    CHECK(*rows[1].jf == 1.0);  // its positives are perfect …
    CHECK_FALSE(rows[1].r.has_value());  // … but R and J&F&R are not reported
    CHECK_FALSE(rows[1].jfr.has_value());
    CHECK(rows[1].missing_positive_frames == 0);

    const json summary = json::parse(read_file(f.dir / "lb/submissions/a-oracle-no-negatives/summary.json"));
    const int64_t negatives = summary["counts"]["negative_frames"].get<int64_t>();
    CHECK(negatives > 0);
    CHECK(summary["counts"]["missing_negative_frames"].get<int64_t>() == negatives);
    CHECK(rows[1].missing_negative_frames == negatives);
    CHECK(summary["counts"]["missing_positive_frames"] == 0);
    CHECK(summary["complete"] == false);
    CHECK(summary["metrics"]["R"].is_null());
    CHECK(summary["metrics"]["J&F&R"].is_null());
    CHECK(summary["metrics"]["J&F"] == 1.0);
    const json complete = json::parse(read_file(f.dir / "lb/submissions/noisy/summary.json"));
    CHECK(complete["complete"] == true);
    CHECK(complete["metrics"]["R"].is_number());

    const std::string md = read_file(f.dir / "lb/leaderboard.md");
    CHECK(md.find("| 1 | [noisy](submissions/noisy/report.html) |") != std::string::npos);
    CHECK(md.find(fmt::format("| 2 | [a-oracle-no-negatives](submissions/a-oracle-no-negatives/report.html) | n/a | 100.0 | "
                              "100.0 | 100.0 | n/a | n/a | no |  | incomplete: 0 positive "
                              "frames and {} negative frames missing, R not reported; ranked after complete submissions |",
                              negatives)) != std::string::npos);
    const std::string csv = read_file(f.dir / "lb/leaderboard.csv");
    CHECK(csv.find("rank,submission,J&F&R,J&F,J,F,R,missing_positive_frames,missing_negative_frames,sha256,error,AUROC,complete,"
                   "model,synthetic_weights,weights,weights_sha256,report\n") == 0);
    CHECK(csv.find(fmt::format("2,a-oracle-no-negatives,,1.000000,1.000000,1.000000,,0,{},", negatives)) != std::string::npos);
    CHECK(read_file(f.dir / "lb/leaderboard.html").find("incomplete: 0 positive frames") != std::string::npos);
    // The cached rerun keeps the order and the mark.
    const auto again = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
    CHECK(again[0].name == "noisy");
    CHECK(again[1].incomplete());

    // Ranking alone: incomplete rows after complete ones whatever their scores, failed rows last.
    std::vector<LeaderboardRow> ranked(3);
    ranked[0].name = "x", ranked[0].jf = 0.99, ranked[0].missing_positive_frames = 1, ranked[0].jfr = 0.99;
    ranked[1].name = "y", ranked[1].error = "broken";
    ranked[2].name = "z", ranked[2].jfr = 0.1, ranked[2].jf = 0.1;
    rank_leaderboard(ranked);
    CHECK(ranked[0].name == "z");
    CHECK(ranked[1].name == "x");
    CHECK(ranked[2].name == "y");
}

namespace {

// A run's scores.json giving A = `positive` on every positive pair and `negative` on every negative one.
std::string scores_json(const fs::path& pairs_file, const std::string& model, double positive, double negative) {
    json pairs = json::array();
    for (const auto& p : read_r2_pairs(pairs_file).pairs)
        pairs.push_back({{"video", p.positive_video}, {"exp_id", p.exp_id}, {"negative_video", p.negative_video},
                         {"positive", {{"alignment", positive}, {"rejected", false}}},
                         {"negative", {{"alignment", negative}, {"rejected", false}}}});
    return json{{"schema_version", 1}, {"model", model}, {"pairs", pairs}}.dump();
}

}  // namespace

TEST_CASE("leaderboard: AUROC, completeness, the model and weights a run recorded, and a link to each report") {
    Fixture f;
    ScoreOptions o;
    o.gt = f.gt, o.pairs = f.pairs;
    fs::create_directories(f.dir / "subs");
    // A run folder: its scores separate the pairs perfectly (AUROC 1); its weights are named with a team's path.
    fs::copy(f.sub, f.dir / "subs/noisy", fs::copy_options::recursive);
    const std::string sha = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    write_file_atomically(f.dir / "subs/noisy/scores.json", scores_json(f.pairs, "r2vos_tiny", 0.9, 0.1));
    write_file_atomically(f.dir / "subs/noisy/run.json",
                          json{{"model", "r2vos_tiny"}, {"synthetic_weights", false},
                               {"weights", {{"file", "/home/team/models/r2vos_tiny.safetensors"}, {"sha256", sha}}}}.dump());
    // A run zipped whole, with synthetic weights and scores ranking every pair the wrong way (AUROC 0).
    std::vector<std::pair<std::string, std::string>> entries = {
        {"run/scores.json", scores_json(f.pairs, "mttr_tiny", 0.2, 0.8)},
        {"run/run.json", json{{"model", "mttr_tiny"}, {"synthetic_weights", true}, {"weights", nullptr}}.dump()}};
    for (const auto& e : fs::recursive_directory_iterator(f.sub))
        if (e.is_regular_file() && e.path().filename() != "scores.json" && e.path().filename() != "run.json")
            entries.push_back({"run/" + fs::relative(e.path(), f.sub).generic_string(), read_file(e.path())});
    make_zip(f.dir / "subs/zipped.zip", entries);
    // An oracle that recorded nothing.
    run_baseline(f.gt, "valid", f.pairs, f.dir / "subs/oracle", BaselineOptions{"oracle", 0, 0});

    for (const bool cached : {false, true}) {
        CAPTURE(cached);
        const auto rows = build_leaderboard(f.dir / "subs", f.dir / "lb", o);
        REQUIRE(rows.size() == 3);
        for (const auto& r : rows) {
            CHECK(r.cached == cached);
            CHECK(r.report == "submissions/" + r.name + "/report.html");
            CHECK(fs::is_regular_file(f.dir / "lb" / r.report));
        }
        const LeaderboardRow &oracle = rows[0], &noisy = rows[1], &zipped = rows[2];
        REQUIRE(oracle.name == "oracle");
        CHECK_FALSE(oracle.auroc.has_value());
        CHECK(oracle.model.empty());
        CHECK(leaderboard_model_note(oracle).empty());
        REQUIRE(noisy.name == "noisy");
        CHECK(*noisy.auroc == 1.0);
        CHECK(noisy.model == "r2vos_tiny");
        CHECK(noisy.weights_file == "r2vos_tiny.safetensors");
        CHECK(noisy.weights_sha256 == sha);
        CHECK(leaderboard_model_note(noisy) == "r2vos_tiny (r2vos_tiny.safetensors, SHA-256 abcdef012345…)");
        REQUIRE(zipped.name == "zipped.zip");
        CHECK(*zipped.auroc == 0.0);
        CHECK(zipped.synthetic_weights);
        CHECK(leaderboard_model_note(zipped) == "mttr_tiny (synthetic weights)");
    }
    const std::string md = read_file(f.dir / "lb/leaderboard.md");
    CHECK(md.rfind("| rank | submission | J&F&R | J&F | J | F | R | AUROC | complete | model (weights) | note |\n", 0) == 0);
    CHECK(md.find("| 1 | [oracle](submissions/oracle/report.html) | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | n/a | yes |  |  |\n") !=
          std::string::npos);
    CHECK(md.find(" | 100.0 | yes | r2vos_tiny (r2vos_tiny.safetensors, SHA-256 abcdef012345…) |  |\n") != std::string::npos);
    CHECK(md.find(" | 0.0 | yes | mttr_tiny (synthetic weights) |  |\n") != std::string::npos);
    const std::string csv = read_file(f.dir / "lb/leaderboard.csv");
    CHECK(csv.find(fmt::format(",1.000000,yes,r2vos_tiny,false,r2vos_tiny.safetensors,{},submissions/noisy/report.html\n", sha)) !=
          std::string::npos);
    CHECK(csv.find(",0.000000,yes,mttr_tiny,true,,,submissions/zipped.zip/report.html\n") != std::string::npos);
    const std::string html = read_file(f.dir / "lb/leaderboard.html");
    CHECK(html.find("<th>AUROC</th><th>complete</th><th>model (weights)</th>") != std::string::npos);
    CHECK(html.find("<a href='submissions/noisy/report.html'>noisy</a>") != std::string::npos);
    CHECK(html.find(fmt::format("title='weights SHA-256 {}'", sha)) != std::string::npos);
    for (const std::string* page : {&md, &csv, &html}) CHECK(page->find("/home/team") == std::string::npos);

    // A row without a report (a broken submission) is not linked; an incomplete one says "no".
    std::vector<LeaderboardRow> rows(2);
    rows[0].name = "partial", rows[0].jf = 0.5, rows[0].missing_negative_frames = 3;
    rows[1].name = "broken", rows[1].error = "1 problem:\n  bad";
    const std::string page = leaderboard_html(rows);
    CHECK(page.find("<a href='submissions/partial") == std::string::npos);
    CHECK(page.find("<td class='l inc'>no</td>") != std::string::npos);
    CHECK(leaderboard_markdown(rows).find("| 1 | partial | n/a | 50.0 | n/a | n/a | n/a | n/a | no |  | incomplete: ") !=
          std::string::npos);
}

TEST_CASE("regress: exit codes for equal, within tolerance, regressed, improved and malformed input") {
    TempDir dir;
    auto summary = [](double j, double r, double decay) {
        return json{{"schema_version", 1},
                    {"metrics", {{"J", j}, {"F", 0.5}, {"J&F", (j + 0.5) / 2}, {"R", r}, {"J&F&R", nullptr}}},
                    {"J", {{"mean", j}, {"recall", 0.5}, {"decay", decay}}},
                    {"per_video", {{"v1", {{"J", j}, {"R", r}}}}}}
            .dump();
    };
    write_file_atomically(dir / "base.json", summary(0.60, 0.80, 0.10));
    write_file_atomically(dir / "same.json", summary(0.60, 0.80, 0.10));
    write_file_atomically(dir / "within.json", summary(0.597, 0.80, 0.10));    // J −0.3 points
    write_file_atomically(dir / "worse.json", summary(0.60, 0.78, 0.10));      // R −2 points
    write_file_atomically(dir / "better.json", summary(0.65, 0.80, 0.05));     // J +5, decay −5 (better)
    write_file_atomically(dir / "decayed.json", summary(0.60, 0.80, 0.20));    // decay +10 points: worse
    write_file_atomically(dir / "broken.json", "{\"metrics\": ");
    write_file_atomically(dir / "other.json", "{\"hello\": 1}");
    const std::string bin = R2BENCH_BINARY;
    auto run = [&](const std::string& current, const std::string& extra = "") {
        std::string out;
        const int code = run_command(fmt::format("{} regress --baseline {} --current {} {}", bin, (dir / "base.json").string(),
                                                 (dir / current).string(), extra), &out);
        return std::make_pair(code, out);
    };
    CHECK(run("same.json").first == 0);
    CHECK(run("within.json").first == 1);  // default tolerance 1e-6 points
    CHECK(run("within.json", "--tol 0.5").first == 0);
    CHECK(run("within.json", "--tol J=0.5").first == 1);  // J&F moved too, and keeps the default tolerance
    CHECK(run("within.json", "--tol 'J=0.5,J&F=0.5'").first == 0);
    const auto worse = run("worse.json", "--tol J=0.5,R=1.0");
    CHECK(worse.first == 1);
    CHECK(worse.second.find("REGRESSED") != std::string::npos);
    CHECK(worse.second.find("v1/R") != std::string::npos);
    CHECK(run("worse.json", "--tol R=2.5").first == 0);
    const auto better = run("better.json");
    CHECK(better.first == 0);
    CHECK(better.second.find("improved") != std::string::npos);
    CHECK(run("better.json", "--exact").first == 1);
    CHECK(run("decayed.json").first == 1);
    CHECK(run("broken.json").first == 2);
    CHECK(run("other.json").first == 2);
    CHECK(run("absent.json").first == 2);
    CHECK(run("same.json", "--tol J=abc").first == 2);
    // --update rewrites the baseline atomically.
    std::string out;
    CHECK(run_command(fmt::format("{} regress --baseline {} --current {} --update", bin, (dir / "base.json").string(),
                                  (dir / "worse.json").string()), &out) == 0);
    CHECK(read_file(dir / "base.json") == read_file(dir / "worse.json"));
    CHECK(run("worse.json").first == 0);

    const RegressTolerance t = parse_tolerance("J=0.5,R=1.0");
    CHECK(t.for_metric("J") == 0.5);
    CHECK(t.for_metric("F") == 1e-6);
    CHECK_THROWS_AS(parse_tolerance("J="), Error);
    CHECK_THROWS_WITH_AS(parse_tolerance("j=0.5"), doctest::Contains("unknown metric 'j'"), Error);

    // Counts add up (each baseline key once) and the overall metrics come first, in table order.
    write_file_atomically(dir / "base.json", summary(0.60, 0.80, 0.10));
    const RegressReport r = compare_summaries(dir / "base.json", dir / "worse.json", RegressTolerance{});
    CHECK(r.compared == 9);  // 5 metrics, J-Recall, J-Decay, v1/J, v1/R
    CHECK(r.same + r.within + r.improved + r.regressed + r.missing == r.compared);
    CHECK(r.regressed == 2);  // R and v1/R
    std::vector<std::string> keys;
    for (const auto& c : r.changes) keys.push_back(c.key);
    CHECK(keys == std::vector<std::string>{"J", "F", "J&F", "R", "J&F&R", "J-Recall", "J-Decay", "v1/J", "v1/R"});
}
