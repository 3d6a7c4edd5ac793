// The CLI end to end: exit codes, outputs, and nothing written on bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/pairs.h"
#include "core/mask_png.h"
#include "core/ytvos_meta.h"

#include <nlohmann/json.hpp>
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;

static void tiny_tree(const TempDir& dir) {
    LabelMap gt(8, 6), pred(8, 6);
    for (int y = 1; y < 4; ++y)
        for (int x = 2; x < 6; ++x) gt.at(x, y) = 1, pred.at(x, y) = 255;
    write_palette_png(dir / "gt/Annotations/v/00000.png", gt);
    write_palette_png(dir / "sub/Annotations/v/0/00000.png", pred);
    MetaExpressions meta;
    meta.videos.push_back({"v", {{"0", "the box", "1"}}, {"00000"}});
    write_meta_expressions(dir / "gt/meta_expressions.json", meta);
}

TEST_CASE("r2bench eval writes the report and prints the table") {
    TempDir dir;
    tiny_tree(dir);
    std::string out;
    const int code = run_command(fmt::format("{} eval --pred {} --gt {} --out {} --quiet", R2BENCH_BINARY,
                                             (dir / "sub").string(), (dir / "gt").string(), (dir / "out").string()),
                                 &out);
    CHECK(code == 0);
    CHECK(out.find("100.0") != std::string::npos);
    CHECK(fs::exists(dir / "out/summary.json"));
    CHECK(fs::exists(dir / "out/per_expression.csv"));
    CHECK(fs::exists(dir / "out/per_video.csv"));
}

TEST_CASE("r2bench eval on bad input: clear error, exit 2, no report") {
    TempDir dir;
    tiny_tree(dir);
    write_file_atomically(dir / "sub/Annotations/v/0/00000.png", std::string("not a png"));
    std::string out;
    const int code = run_command(fmt::format("{} eval --pred {} --gt {} --out {}", R2BENCH_BINARY,
                                             (dir / "sub").string(), (dir / "gt").string(), (dir / "out").string()),
                                 &out);
    CHECK(code == 2);
    CHECK(out.find("1 problem(s)") != std::string::npos);
    CHECK(out.find("00000.png: not a PNG file") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("r2bench --help lists the commands, and a bad option exits non-zero") {
    std::string out;
    CHECK(run_command(fmt::format("{} --help", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("eval") != std::string::npos);
    CHECK(out.find("bench") != std::string::npos);
    CHECK(out.find("--threads") != std::string::npos);
    CHECK(run_command(fmt::format("{} eval --help", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("--allow-missing") != std::string::npos);
    CHECK(run_command(fmt::format("{} eval --no-such-option", R2BENCH_BINARY), &out) != 0);
}

TEST_CASE("the whole pipeline through the CLI: synth, build-dataset, verify, run, eval") {
    TempDir dir;
    const std::string bin = R2BENCH_BINARY;
    const std::string d = dir.path.string();
    std::string out;
    REQUIRE(run_command(fmt::format("{} synth --preset tiny --out {}/synth --quiet", bin, d), &out) == 0);
    REQUIRE(run_command(fmt::format("{} build-dataset --source {}/synth --out {}/r2 --quiet", bin, d, d), &out) == 0);
    CHECK(run_command(fmt::format("{} verify-dataset {}/r2 --source {}/synth", bin, d, d), &out) == 0);
    CHECK(out.find("valid") != std::string::npos);
    REQUIRE(run_command(fmt::format("{} run --model oracle --source {}/synth --pairs {}/r2/r2_pairs.json --out {}/sub --quiet",
                                    bin, d, d, d), &out) == 0);
    REQUIRE(run_command(fmt::format("{} eval --pred {}/sub --source {}/synth --pairs {}/r2/r2_pairs.json --out {}/eval --quiet",
                                    bin, d, d, d, d), &out) == 0);
    const auto summary = nlohmann::json::parse(read_file(dir / "eval/summary.json"));
    CHECK(summary["metrics"]["J"].get<double>() == 1.0);
    CHECK(summary["metrics"]["F"].get<double>() == 1.0);
    CHECK(summary["metrics"]["R"].get<double>() == 1.0);
    CHECK(summary["metrics"]["J&F&R"].get<double>() == 1.0);
    // R alone from the prediction trees, without ground truth.
    REQUIRE(run_command(fmt::format("{} eval --pred {}/sub --pairs {}/r2/r2_pairs.json --out {}/eval_r --quiet", bin, d, d, d), &out) == 0);
    CHECK(out.find("J and F were not computed") != std::string::npos);
    // A tampered pairs file fails verification with exit code 1.
    std::string pairs = read_file(dir / "r2/r2_pairs.json");
    const size_t at = pairs.find("\"negative_video\": \"") + 19;
    pairs.replace(at, 10, "0000000000");
    write_file_atomically(dir / "r2/r2_pairs.json", pairs);
    CHECK(run_command(fmt::format("{} verify-dataset {}/r2 --source {}/synth", bin, d, d), &out) == 1);
    CHECK(out.find("violation") != std::string::npos);
}

TEST_CASE("--out: a rerun replaces the command's own folder, a foreign one needs --force, a failure changes nothing") {
    TempDir dir;
    tiny_tree(dir);
    const std::string eval = fmt::format("{} eval --pred {} --gt {} --quiet --out ", R2BENCH_BINARY, (dir / "sub").string(),
                                         (dir / "gt").string());
    std::string out;
    REQUIRE(run_command(eval + (dir / "out").string(), &out) == 0);
    write_file_atomically(dir / "out/stale.txt", "from an earlier run");
    REQUIRE(run_command(eval + (dir / "out").string(), &out) == 0);  // its own folder: replaced
    CHECK_FALSE(fs::exists(dir / "out/stale.txt"));
    CHECK(fs::exists(dir / "out/summary.json"));
    // A folder eval did not write.
    write_file_atomically(dir / "mine/notes.txt", "keep me");
    CHECK(run_command(eval + (dir / "mine").string(), &out) == 2);
    CHECK(out.find("r2bench: error: " + (dir / "mine").string() + ": is not empty") != std::string::npos);
    CHECK(out.find("--force") != std::string::npos);
    CHECK(read_file(dir / "mine/notes.txt") == "keep me");
    CHECK(run_command(eval + (dir / "mine").string() + " --force", &out) == 0);
    CHECK_FALSE(fs::exists(dir / "mine/notes.txt"));
    // Another command's folder: eval refuses to replace a submission written by run.
    CHECK(run_command(fmt::format("{} run --model oracle --source {} --pairs {} --out {} --quiet", R2BENCH_BINARY,
                                  (dir / "gt").string(), (dir / "none.json").string(), (dir / "out").string()),
                      &out) == 2);  // a failing run …
    CHECK(fs::exists(dir / "out/summary.json"));  // … leaves eval's folder alone (it was refused before any work)
    // A failing eval (corrupt PNG) leaves no new folder, and an earlier output exactly as it was.
    write_file_atomically(dir / "sub/Annotations/v/0/00000.png", std::string("not a png"));
    CHECK(run_command(eval + (dir / "new/nested").string(), &out) == 2);
    CHECK_FALSE(fs::exists(dir / "new/nested"));
    const auto before = r2::test::tree_snapshot(dir / "out");
    CHECK(run_command(eval + (dir / "out").string(), &out) == 2);
    CHECK(r2::test::tree_snapshot(dir / "out") == before);
    for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename().string().find("r2bench-tmp") == std::string::npos);
}

TEST_CASE("usage errors: r2bench: error, exit 2, the unknown option named, negative numbers refused") {
    TempDir dir;
    std::string out;
    CHECK(run_command(fmt::format("{} eval --prediction x --out {}", R2BENCH_BINARY, (dir / "e").string()), &out) == 2);
    CHECK(out.find("r2bench: error: unknown option --prediction") != std::string::npos);
    CHECK(out.find("--pred is required") == std::string::npos);
    CHECK(run_command(fmt::format("{} synth --preset tiny --seed -1 --out {}", R2BENCH_BINARY, (dir / "s").string()), &out) == 2);
    CHECK(out.find("r2bench: error: --seed") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "s"));
    CHECK(run_command(fmt::format("{} synth --preset tiny --width 8 --out {}", R2BENCH_BINARY, (dir / "s").string()), &out) == 2);
    CHECK(out.find("--width") != std::string::npos);
    CHECK(run_command(fmt::format("{} --threads -2 synth --preset tiny --out {}", R2BENCH_BINARY, (dir / "s").string()), &out) == 2);
    // A zip given to eval points to score.
    write_file_atomically(dir / "sub.zip", "PK");
    CHECK(run_command(fmt::format("{} eval --pred {} --out {}", R2BENCH_BINARY, (dir / "sub.zip").string(), (dir / "e").string()),
                      &out) == 2);
    CHECK(out.find("r2bench score") != std::string::npos);
    CHECK(run_command(fmt::format("{} --help", R2BENCH_BINARY), &out) == 0);  // help is not an error
}

TEST_CASE("what r2_pairs.json records is not asked again, a missing folder is one problem, progress off a terminal") {
    TempDir dir;
    const std::string bin = R2BENCH_BINARY;
    const std::string d = dir.path.string();
    std::string out;
    // Off a terminal, progress lines come every R2BENCH_PROGRESS_INTERVAL seconds and end with the summary's count.
    REQUIRE(run_command(fmt::format("R2BENCH_PROGRESS_INTERVAL=0.000001 {} synth --preset tiny --format ref-davis --out {}/davis",
                                    bin, d), &out) == 0);
    const size_t last = out.rfind("rendering frames: ");
    REQUIRE(last != std::string::npos);
    const std::string line = out.substr(last, out.find('\n', last) - last);
    const std::string total = line.substr(line.find('/') + 1, line.find(' ', line.find('/')) - line.find('/') - 1);
    CHECK(line.find(total + "/" + total + " (100%)") != std::string::npos);
    CHECK(out.find(", " + total + " frames\n") != std::string::npos);  // the summary line's count
    // A Ref-DAVIS build: verify-dataset reads --format from r2_pairs.json.
    REQUIRE(run_command(fmt::format("{} build-dataset --source {}/davis --format ref-davis --out {}/r2d --quiet", bin, d, d), &out) == 0);
    CHECK(run_command(fmt::format("{} verify-dataset {}/r2d --source {}/davis", bin, d, d), &out) == 0);
    CHECK(run_command(fmt::format("{} verify-dataset {}/r2d --source {}/davis --format mevis", bin, d, d), &out) == 2);
    CHECK(out.find("was built with format ref-davis") != std::string::npos);

    REQUIRE(run_command(fmt::format("{} synth --preset tiny --out {}/synth --quiet", bin, d), &out) == 0);
    REQUIRE(run_command(fmt::format("{} build-dataset --source {}/synth --out {}/r2 --quiet", bin, d, d), &out) == 0);
    REQUIRE(run_command(fmt::format("{} run --model oracle --gt {}/synth --pairs {}/r2/r2_pairs.json --out {}/sub --quiet", bin, d,
                                    d, d), &out) == 0);  // --gt: the alias of --source
    CHECK(fs::exists(dir / "sub/.r2bench-output.json"));
    // eval --split train on pairs built on valid: one line, not one per expression.
    CHECK(run_command(fmt::format("{} eval --pred {}/sub --source {}/synth --pairs {}/r2/r2_pairs.json --split train --out {}/e",
                                  bin, d, d, d, d), &out) == 2);
    CHECK(out.find("--split train, but") != std::string::npos);
    CHECK(std::count(out.begin(), out.end(), '\n') <= 2);
    // A whole missing video folder is one problem.
    const fs::path video = fs::directory_iterator(dir / "sub/Annotations")->path();
    fs::remove_all(video);
    CHECK(run_command(fmt::format("{} eval --pred {}/sub --source {}/synth --pairs {}/r2/r2_pairs.json --out {}/e", bin, d, d, d, d),
                      &out) == 2);
    CHECK(out.find("1 problem(s)") != std::string::npos);
    CHECK(out.find("Annotations/" + video.filename().string() + "/: missing video folder") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "e"));
}

TEST_CASE("a long problem list is kept in full in OUT.problems.txt beside --out") {
    TempDir dir;
    tiny_tree(dir);
    for (int i = 0; i < 30; ++i) write_file_atomically(dir / fmt::format("sub/Annotations/v/0/extra{:02}.png", i), "x");
    std::string out;
    CHECK(run_command(fmt::format("{} eval --pred {} --gt {} --out {}", R2BENCH_BINARY, (dir / "sub").string(),
                                  (dir / "gt").string(), (dir / "out").string()),
                      &out) == 2);
    CHECK(out.find("… and 10 more") != std::string::npos);
    CHECK(out.find("all 30 problems are listed in " + (dir / "out.problems.txt").string()) != std::string::npos);
    const std::string list = read_file(dir / "out.problems.txt");
    CHECK(std::count(list.begin(), list.end(), '\n') == 30);
    CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("regress: an unknown metric in --tol is refused") {
    TempDir dir;
    write_file_atomically(dir / "s.json", R"({"metrics": {"J": 0.5}})");
    std::string out;
    CHECK(run_command(fmt::format("{} regress --baseline {} --current {} --tol Jf=1", R2BENCH_BINARY, (dir / "s.json").string(),
                                  (dir / "s.json").string()),
                      &out) == 2);
    CHECK(out.find("unknown metric 'Jf'") != std::string::npos);
}

// --- Two executables, one CLI: r2bench never maps libtorch; r2bench-models runs the libtorch commands. ---

namespace {
// The shared objects the dynamic loader initialises while running `command` (LD_DEBUG=libs), dlopen'd
// ones included: one "calling init: PATH" line each.
std::vector<std::string> initialised_libraries(const std::string& command) {
    std::string out;
    run_command("LD_DEBUG=libs " + command, &out);
    std::vector<std::string> libraries;
    const std::string marker = "calling init: ";
    for (size_t at = out.find(marker); at != std::string::npos; at = out.find(marker, at + 1)) {
        const size_t end = out.find('\n', at);
        libraries.push_back(out.substr(at + marker.size(), end - at - marker.size()));
    }
    return libraries;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& what) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
}

// The description `r2bench --help` style output gives a (sub)command: the rest of its line.
std::string described(const std::string& help, const std::string& name) {
    const size_t at = help.find("\n  " + name + " ");
    if (at == std::string::npos) return "";
    const size_t end = help.find('\n', at + 1);
    const std::string line = help.substr(at + 3 + name.size(), end - at - 3 - name.size());
    return line.substr(line.find_first_not_of(' '));
}
}  // namespace

TEST_CASE("the scoring executable never maps libtorch nor OpenCV's imgcodecs (images go through libturbojpeg and libpng)") {
    std::string out;
    REQUIRE(run_command(fmt::format("ldd {}", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("libc.so.6") != std::string::npos);  // ldd did list the libraries
    CHECK(out.find("libpng16") != std::string::npos);
    CHECK(out.find("libtorch") == std::string::npos);
    CHECK(out.find("libc10") == std::string::npos);
    CHECK(out.find("libopencv_imgcodecs") == std::string::npos);  // core/image_codecs.h instead
    CHECK(out.find("libturbojpeg") != std::string::npos);

    // At run time, dlopen included: --help, eval (with R from the pairs), convert-weights.
    TempDir dir;
    tiny_tree(dir);
    const auto help = initialised_libraries(fmt::format("{} --help", R2BENCH_BINARY));
    CHECK(any_contains(help, "libc.so.6"));
    CHECK_FALSE(any_contains(help, "libtorch"));
    CHECK_FALSE(any_contains(help, "libc10"));
    const auto eval = initialised_libraries(fmt::format("{} --threads 1 eval --pred {} --gt {} --out {} --quiet", R2BENCH_BINARY,
                                                        (dir / "sub").string(), (dir / "gt").string(), (dir / "out").string()));
    CHECK(fs::exists(dir / "out/summary.json"));
    CHECK(any_contains(eval, "libhdf5"));  // per_frame.h5 was written by this process
    CHECK_FALSE(any_contains(eval, "libtorch"));
    CHECK_FALSE(any_contains(eval, "libc10"));
    CHECK_FALSE(any_contains(eval, "libopencv_imgcodecs"));
    const auto convert = initialised_libraries(
        fmt::format("{} convert-weights {} {}", R2BENCH_BINARY, (dir / "none.pth").string(), (dir / "w.safetensors").string()));
    CHECK_FALSE(convert.empty());
    CHECK_FALSE(any_contains(convert, "libtorch"));
    // The report encodes its thumbnails (PNG, JPEG) without imgcodecs, and without libtorch.
    const auto report = initialised_libraries(fmt::format("{} report {}", R2BENCH_BINARY, (dir / "out").string()));
    CHECK(fs::exists(dir / "out/report.html"));
    CHECK(any_contains(report, "libturbojpeg"));
    CHECK_FALSE(any_contains(report, "libopencv_imgcodecs"));
    CHECK_FALSE(any_contains(report, "libtorch"));
#ifdef R2BENCH_MODELS_BINARY
    // … and the libtorch commands' executable does map it (the check can see it).
    REQUIRE(run_command(fmt::format("ldd {}", R2BENCH_MODELS_BINARY), &out) == 0);
    CHECK(out.find("libtorch") != std::string::npos);
    CHECK(any_contains(initialised_libraries(fmt::format("{} models --check --weights-dir /nonexistent", R2BENCH_BINARY)), "libtorch"));
    // `models` lists from the catalog the build wrote: no libtorch.
    CHECK_FALSE(any_contains(initialised_libraries(fmt::format("{} models --weights-dir /nonexistent", R2BENCH_BINARY)), "libtorch"));
#endif
}

TEST_CASE("r2bench --help lists every command, the libtorch ones described as r2bench-models describes them") {
    std::string help, bench;
    REQUIRE(run_command(fmt::format("{} --help", R2BENCH_BINARY), &help) == 0);
    REQUIRE(run_command(fmt::format("{} bench --help", R2BENCH_BINARY), &bench) == 0);
    for (const char* command : {"eval", "report", "score", "leaderboard", "regress", "synth", "build-dataset", "verify-dataset", "run",
                                "merge", "convert-weights", "tokenize", "models", "bench"})
        CHECK_MESSAGE(!described(help, command).empty(), command);
    CHECK(described(help, "models") == "List the runnable models and their parts, parameter counts and weights");
    for (const char* command : {"eval", "build-dataset", "msda", "backbone", "model", "run"})
        CHECK_MESSAGE(!described(bench, command).empty(), command);
    CHECK(described(bench, "msda").find("deformable attention") != std::string::npos);
    // `run --help` shows every option, the neural ones included, with or without libtorch.
    std::string run;
    REQUIRE(run_command(fmt::format("{} run --help", R2BENCH_BINARY), &run) == 0);
    for (const char* option : {"--synthetic-weights", "--weights-dir", "--shard", "--resume", "--hallucination-rate"})
        CHECK_MESSAGE(run.find(option) != std::string::npos, option);
#ifdef R2BENCH_MODELS_BINARY
    std::string models_help, models_bench;
    REQUIRE(run_command(fmt::format("{} --help", R2BENCH_MODELS_BINARY), &models_help) == 0);
    REQUIRE(run_command(fmt::format("{} bench --help", R2BENCH_MODELS_BINARY), &models_bench) == 0);
    for (const char* command : {"run", "models", "bench"}) CHECK(described(models_help, command) == described(help, command));
    for (const char* command : {"msda", "backbone", "model", "run"}) CHECK(described(models_bench, command) == described(bench, command));
    CHECK(described(models_help, "eval").empty());  // scoring is r2bench's alone
    std::string models_run;
    REQUIRE(run_command(fmt::format("{} run --help", R2BENCH_MODELS_BINARY), &models_run) == 0);
    CHECK(models_run == run);
#endif
}

#ifdef R2BENCH_MODELS_BINARY
TEST_CASE("r2bench hands the libtorch commands over to r2bench-models, with every argument") {
    std::string out;
    REQUIRE(run_command(fmt::format("{} --threads 1 models --check --weights-dir /nonexistent", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("Runnable models (`r2bench run --model NAME`):") != std::string::npos);
    CHECK(out.find("r2vos_tiny") != std::string::npos);
    CHECK(out.find("not found (/nonexistent/r2vos_r50.safetensors)") != std::string::npos);
    CHECK(out.find("tiny RoBERTa (2 layers, bytes)                      1882246  found: 318 tensors loaded") != std::string::npos);  // bundled
    REQUIRE(run_command(fmt::format("{} models --help", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("--strict") != std::string::npos);
    CHECK(out.find("--check") != std::string::npos);
    REQUIRE(run_command(fmt::format("{} bench model --help", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("--official-repo") != std::string::npos);
    // Usage errors of a handed-over command read as r2bench's own.
    CHECK(run_command(fmt::format("{} bench msda --no-such-option", R2BENCH_BINARY), &out) == 2);
    CHECK(out.find("r2bench: error: unknown option --no-such-option") != std::string::npos);
    TempDir dir;
    CHECK(run_command(fmt::format("{} run --model no_such_model --source {} --pairs {} --out {}", R2BENCH_BINARY,
                                  (dir / "none").string(), (dir / "none.json").string(), (dir / "run").string()),
                      &out) == 2);
    CHECK(out.find("r2bench: error:") != std::string::npos);
}
#endif

#ifdef R2BENCH_MODELS_BINARY
TEST_CASE("r2bench models lists from the catalog the build wrote: the registry's rows, each weights file found named") {
    TempDir dir;
    std::string listed, checked, out;
    REQUIRE(run_command(fmt::format("{} models --weights-dir {}", R2BENCH_BINARY, dir.path.string()), &listed) == 0);
    REQUIRE(run_command(fmt::format("{} models --check --weights-dir {}", R2BENCH_BINARY, dir.path.string()), &checked) == 0);
    // The catalog is the registry's own: r2bench-models writes the same bytes now.
    REQUIRE(run_command(fmt::format("{} models --write-catalog {}", R2BENCH_MODELS_BINARY, (dir / "catalog.json").string()), &out) == 0);
    const fs::path built = fs::path(R2BENCH_BINARY).parent_path() / "share/r2bench/model_catalog.json";
    CHECK(read_file(dir / "catalog.json") == read_file(built));
    // Every row of the libtorch listing (name, parts, parameter count from the configuration) is
    // in the catalog's, up to the weights column; only the weights column differs.
    auto rows = [](const std::string& text) {
        std::vector<std::string> r;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);)
            // name (20), backbone (40), text encoder (46), parameters (12), each followed by a space: 121
            // characters, then two spaces and the weights column.
            if (line.size() > 123 && line.compare(121, 2, "  ") == 0) r.push_back(line.substr(0, 121));
        return r;
    };
    CHECK(rows(listed).size() >= 17);
    CHECK(rows(listed) == rows(checked));
    CHECK(listed.find("mttr_tiny") != std::string::npos);
    CHECK(listed.find("501626  found: 152 tensors in ") != std::string::npos);  // the bundled mttr_tiny, its header read
    CHECK(checked.find("501626  found: 152 tensors loaded") != std::string::npos);
    CHECK(listed.find(fmt::format("not found ({}/r2vos_r50.safetensors)", dir.path.string())) != std::string::npos);
    // A damaged weights file is named, and the listing exits 2.
    write_file_atomically(dir / "resnet50.safetensors", "not a safetensors file");
    CHECK(run_command(fmt::format("{} models --weights-dir {}", R2BENCH_BINARY, dir.path.string()), &out) == 2);
    CHECK(out.find("found, unreadable: " + (dir / "resnet50.safetensors").string()) != std::string::npos);
}
#endif

TEST_CASE("without r2bench-models beside it, r2bench says which command needs libtorch (exit 2), and the rest works") {
    TempDir dir;
    fs::copy_file(R2BENCH_BINARY, dir / "r2bench");
    const std::string bin = (dir / "r2bench").string();
    std::string out;
    CHECK(run_command(fmt::format("{} models", bin), &out) == 2);
    CHECK(out.find("r2bench: error: this r2bench was built without libtorch: `models` needs r2bench-models") != std::string::npos);
    CHECK(out.find((dir / "r2bench-models").string() + " is absent") != std::string::npos);
    CHECK(run_command(fmt::format("{} models --help", bin), &out) == 0);  // its help needs nothing beside it
    CHECK(run_command(fmt::format("{} --quiet bench msda --frames 2", bin), &out) == 2);
    CHECK(out.find("this r2bench was built without libtorch: `bench msda` needs r2bench-models") != std::string::npos);
    tiny_tree(dir);
    // The usual mistakes are caught before the hand-over (no libtorch needed to say so) …
    write_r2_pairs(dir / "empty_pairs.json", R2Pairs{});
    const std::string run = fmt::format("{} run --model r2vos_tiny --synthetic-weights --source {} --out {} --pairs ", bin,
                                        (dir / "gt").string(), (dir / "run").string());
    CHECK(run_command(run + (dir / "empty_pairs.json").string(), &out) == 2);
    CHECK(out.find("empty_pairs.json: holds no pairs") != std::string::npos);
    // … and a good command names what is missing.
    R2Pairs pairs;
    pairs.pairs.push_back({"v", "0", "the box", "1", "v", {"00000"}, {"00000"}});
    write_r2_pairs(dir / "pairs.json", pairs);
    CHECK(run_command(run + (dir / "pairs.json").string(), &out) == 2);
    CHECK(out.find("this r2bench was built without libtorch: `run --model r2vos_tiny` needs r2bench-models") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "run"));
    // Scoring and --help need nothing beside it.
    CHECK(run_command(fmt::format("{} --help", bin), &out) == 0);
    CHECK(out.find("models") != std::string::npos);
    CHECK(run_command(fmt::format("{} eval --pred {} --gt {} --out {} --quiet", bin, (dir / "sub").string(), (dir / "gt").string(),
                                  (dir / "eval").string()),
                      &out) == 0);
    CHECK(nlohmann::json::parse(read_file(dir / "eval/summary.json"))["metrics"]["J"].get<double>() == 1.0);
}

TEST_CASE("bench eval prints the whole `r2bench eval` process against decoding alone, and the start-up time") {
    std::string out;
    REQUIRE(run_command(fmt::format("{} bench eval --videos 1 --frames 2 --expressions 1 --repeats 1", R2BENCH_BINARY), &out) == 0);
    CHECK(out.find("`r2bench --help` (start-up alone)") != std::string::npos);
    CHECK(out.find("goal < 0.05 s") != std::string::npos);
    // Both mask sets: 2 ground-truth frames, 2 positive and 2 negative predictions each.
    CHECK(out.find("4 prediction frames (2 positive, 2 negative), 6 PNGs decoded per evaluation") != std::string::npos);
    size_t at = out.find("ratio d/a (1 thread)");
    REQUIRE(at != std::string::npos);
    const double ratio = std::stod(out.substr(out.find(':', at) + 1));
    CHECK(ratio > 0.5);  // the process decodes every PNG too: it cannot beat decoding by much
    CHECK(out.find("goal <= 1.1", at) != std::string::npos);
    CHECK(out.find("(d) whole `r2bench eval` process") != std::string::npos);
}

TEST_CASE("what cost a newcomer minutes: layouts detected, run folders and checkpoints recognised, one line for another tree") {
    TempDir dir;
    const std::string d = dir.path.string();
    std::string out;
    // A Ref-DAVIS tree without --format: detected and said.
    REQUIRE(run_command(fmt::format("{} --quiet synth --preset tiny --format ref-davis --out {}/davis", R2BENCH_BINARY, d)) == 0);
    CHECK(run_command(fmt::format("{} --quiet build-dataset --source {}/davis --out {}/r2davis", R2BENCH_BINARY, d, d), &out) == 0);
    CHECK(out.find("a ref-davis tree (detected") != std::string::npos);
    // ... and a wrong --format names what was found.
    CHECK(run_command(fmt::format("{} --quiet build-dataset --source {}/davis --format ref-youtube-vos --out {}/x", R2BENCH_BINARY, d, d),
                      &out) == 2);
    CHECK(out.find("looks like a ref-davis tree; pass --format ref-davis") != std::string::npos);

    // Pairs built on one tree, scored against another: one line, not one per expression.
    REQUIRE(run_command(fmt::format("{} --quiet synth --preset tiny --seed 1 --out {}/a", R2BENCH_BINARY, d)) == 0);
    REQUIRE(run_command(fmt::format("{} --quiet synth --preset tiny --seed 2 --out {}/b", R2BENCH_BINARY, d)) == 0);
    REQUIRE(run_command(fmt::format("{} --quiet build-dataset --source {}/a --out {}/r2a", R2BENCH_BINARY, d, d)) == 0);
    REQUIRE(run_command(fmt::format("{} --quiet run --model oracle --source {}/a --pairs {}/r2a/r2_pairs.json --out {}/sub", R2BENCH_BINARY,
                                    d, d, d)) == 0);
    CHECK(run_command(fmt::format("{} --quiet eval --pred {}/sub --source {}/b --pairs {}/r2a/r2_pairs.json --out {}/e", R2BENCH_BINARY,
                                  d, d, d, d),
                      &out) == 2);
    CHECK(out.find("is not the ground truth " + (dir / "r2a/r2_pairs.json").string() + " was built from ('a', split valid)") !=
          std::string::npos);
    CHECK(std::count(out.begin(), out.end(), '\n') < 6);

    // `report` on a run folder says what to do.
    CHECK(run_command(fmt::format("{} report {}/sub", R2BENCH_BINARY, d), &out) == 2);
    CHECK(out.find("this is a run folder") != std::string::npos);
    CHECK(out.find("r2bench eval --pred") != std::string::npos);

    // `score --report` writes the page as `eval --report` does.
    CHECK(run_command(fmt::format("{} --quiet score {}/sub --source {}/a --pairs {}/r2a/r2_pairs.json --out {}/s --report", R2BENCH_BINARY,
                                  d, d, d, d)) == 0);
    CHECK(fs::exists(dir / "s/report.html"));

    // A training checkpoint passed as --weights is pointed to the trained weights beside it.
    std::string header = R"({"__metadata__":{"format":"r2bench-train-checkpoint","step":"5"}})";
    while (header.size() % 8) header += ' ';
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char((header.size() >> (8 * i)) & 0xff);
    write_file_atomically(dir / "runs/checkpoint.safetensors", bytes + header);
    out.clear();
    const int code = run_command(fmt::format("{} --quiet run --model mttr_tiny --weights {}/runs/checkpoint.safetensors --source {}/a "
                                             "--pairs {}/r2a/r2_pairs.json --out {}/m",
                                             R2BENCH_BINARY, d, d, d, d),
                                 &out);
    if (out.find("built without libtorch") == std::string::npos) {
        CHECK(code == 2);
        CHECK(out.find("is a training checkpoint") != std::string::npos);
        CHECK(out.find("--weights " + (dir / "runs/mttr_tiny.safetensors").string()) != std::string::npos);
    }
}
