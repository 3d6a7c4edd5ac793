// The CLI end to end: exit codes, outputs, and nothing written on bad input.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "core/atomic_file.h"
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

TEST_CASE("r2bench --help lists the commands; a bad option exits non-zero") {
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
    REQUIRE(run_command(fmt::format("{} run --model oracle --gt {}/synth --pairs {}/r2/r2_pairs.json --out {}/sub --quiet",
                                    bin, d, d, d), &out) == 0);
    REQUIRE(run_command(fmt::format("{} eval --pred {}/sub --gt {}/synth --pairs {}/r2/r2_pairs.json --out {}/eval --quiet",
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
