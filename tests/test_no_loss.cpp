// Nothing a user made is lost: a failed rerun of any command leaves its earlier --out byte for byte,
// an interrupted `run` or `train` (SIGINT, SIGTERM) keeps its complete work and resumes to the bytes
// of an unbroken one, resuming trusts nothing it did not check, and damaged files r2bench wrote
// itself are errors naming the file (exit 2), never crashes (exit 3).
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
using r2::test::tree_snapshot;
namespace fs = std::filesystem;

namespace {

const std::string bin = R2BENCH_BINARY;

bool neural_commands_available() {
    std::string out;
    run_command(fmt::format("{} run --help", bin), &out);
    return out.find("--synthetic-weights") != std::string::npos && test::models_executable_beside(bin);
}

// synth tiny → R² pairs, in `dir`.
void tiny_set(const TempDir& dir) {
    REQUIRE(run_command(fmt::format("{} --quiet synth --preset tiny --seed 0 --out {}", bin, (dir / "synth").string())) == 0);
    REQUIRE(run_command(fmt::format("{} --quiet build-dataset --source {} --seed 0 --out {}", bin, (dir / "synth").string(),
                                    (dir / "r2").string())) == 0);
}

std::string source_and_pairs(const TempDir& dir, const std::string& pairs = "r2/r2_pairs.json") {
    return fmt::format("--source {} --pairs {}", (dir / "synth").string(), (dir / pairs).string());
}

double seconds_of(const std::function<void()>& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Starts `command` in the background, waits until `ready` (a shell test) holds, sends `signal`,
// and returns the command's exit status; its output goes to `log`.
int interrupt_when(const TempDir& dir, const std::string& command, const std::string& ready, const std::string& signal,
                   const fs::path& log) {
    const std::string script = fmt::format(
        "cd {}\n({}) >{} 2>&1 &\nP=$!\nfor i in $(seq 3000); do\n  if {}; then break; fi\n  sleep 0.02\ndone\n"
        "kill -{} $P\nwait $P\nexit $?\n",
        dir.path.string(), command, log.string(), ready, signal);
    write_file_atomically(dir / "interrupt.sh", script);
    return run_command("bash " + (dir / "interrupt.sh").string());
}

// Complete expression folders in the temporary folder of --out `name` (shell test: at least n).
std::string complete_folders_at_least(const std::string& name, int n) {
    return fmt::format("[ $(find .{}.r2bench-tmp-*/Annotations .{}.r2bench-tmp-*/Negatives -mindepth 2 -maxdepth 2 -type d "
                       "-not -name '.*' 2>/dev/null | wc -l) -ge {} ]",
                       name, name, n);
}

}  // namespace

TEST_CASE("a failed rerun of eval, score, leaderboard or run leaves the earlier --out byte for byte") {
    TempDir dir;
    tiny_set(dir);
    std::string out;
    REQUIRE(run_command(fmt::format("{} --quiet run --model oracle {} --out {}", bin, source_and_pairs(dir), (dir / "sub").string())) == 0);
    const std::string typo = source_and_pairs(dir, "r2/r2_pair.json");

    SUBCASE("eval: a mistyped --pairs, then a broken prediction") {
        const std::string eval = fmt::format("{} --quiet eval --pred {} --out {} ", bin, (dir / "sub").string(), (dir / "e").string());
        REQUIRE(run_command(eval + source_and_pairs(dir)) == 0);
        const auto before = tree_snapshot(dir / "e");
        CHECK(run_command(eval + typo, &out) == 2);
        CHECK(out.find("r2_pair.json") != std::string::npos);
        CHECK(tree_snapshot(dir / "e") == before);
        // A broken PNG: the problem list goes beside --out, which stays as it was.
        fs::path first_png;
        for (const auto& e : fs::recursive_directory_iterator(dir / "sub/Annotations"))
            if (e.path().extension() == ".png") first_png = e.path();
        const std::string bytes = read_file(first_png);
        write_file_atomically(first_png, "not a png");
        CHECK(run_command(eval + source_and_pairs(dir), &out) == 2);
        CHECK(out.find((dir / "e.problems.txt").string()) != std::string::npos);
        CHECK(read_file(dir / "e.problems.txt").find("not a PNG") != std::string::npos);
        CHECK(tree_snapshot(dir / "e") == before);
        write_file_atomically(first_png, bytes);
        REQUIRE(run_command(eval + source_and_pairs(dir)) == 0);
        CHECK_FALSE(fs::exists(dir / "e.problems.txt"));  // the stale list goes with the success
    }
    SUBCASE("score") {
        const std::string score = fmt::format("{} --quiet score {} --out {} ", bin, (dir / "sub").string(), (dir / "s").string());
        REQUIRE(run_command(score + source_and_pairs(dir)) == 0);
        const auto before = tree_snapshot(dir / "s");
        CHECK(run_command(score + typo, &out) == 2);
        CHECK(tree_snapshot(dir / "s") == before);
    }
    SUBCASE("leaderboard, cache included") {
        fs::create_directories(dir / "subs");
        fs::copy(dir / "sub", dir / "subs/team", fs::copy_options::recursive);
        const std::string board = fmt::format("{} --quiet leaderboard {} --out {} ", bin, (dir / "subs").string(), (dir / "lb").string());
        REQUIRE(run_command(board + source_and_pairs(dir)) == 0);
        const auto before = tree_snapshot(dir / "lb");
        CHECK(run_command(board + typo, &out) == 2);
        CHECK(tree_snapshot(dir / "lb") == before);
        // A board on which nothing could be scored is a failure too, and leaves the earlier board.
        fs::create_directories(dir / "broken_subs/team/Annotations");
        const std::string broken_board =
            fmt::format("{} --quiet leaderboard {} --out {} ", bin, (dir / "broken_subs").string(), (dir / "lb").string());
        CHECK(run_command(broken_board + source_and_pairs(dir), &out) == 2);
        CHECK(out.find("no submission in") != std::string::npos);
        CHECK(out.find("team: ") != std::string::npos);
        CHECK(tree_snapshot(dir / "lb") == before);
        fs::create_directories(dir / "no_subs");
        CHECK(run_command(fmt::format("{} --quiet leaderboard {} --out {} ", bin, (dir / "no_subs").string(), (dir / "lb").string()) +
                              source_and_pairs(dir),
                          &out) == 2);
        CHECK(out.find("holds no submissions") != std::string::npos);
        CHECK(tree_snapshot(dir / "lb") == before);
    }
    SUBCASE("run, and run with a pairs file that holds no pairs") {
        const auto before = tree_snapshot(dir / "sub");
        CHECK(run_command(fmt::format("{} --quiet run --model oracle {} --out {}", bin, typo, (dir / "sub").string()), &out) == 2);
        CHECK(tree_snapshot(dir / "sub") == before);
        auto pairs = nlohmann::json::parse(read_file(dir / "r2/r2_pairs.json"));
        pairs["pairs"] = nlohmann::json::array();
        write_file_atomically(dir / "r2/empty.json", pairs.dump());
        CHECK(run_command(fmt::format("{} --quiet run --model oracle {} --out {}", bin, source_and_pairs(dir, "r2/empty.json"),
                                      (dir / "sub").string()),
                          &out) == 2);
        CHECK(out.find("holds no pairs") != std::string::npos);
        CHECK(tree_snapshot(dir / "sub") == before);
    }
    // Nothing is left beside the outputs: no temporary folders, no locks.
    for (const auto& e : fs::directory_iterator(dir.path)) {
        const std::string name = e.path().filename().string();
        CHECK(name.find("r2bench-tmp") == std::string::npos);
        CHECK(name.find("r2bench-lock") == std::string::npos);
    }
}

TEST_CASE("a damaged scores.json, run.json or train.json is an error naming the file (exit 2), never exit 3") {
    TempDir dir;
    tiny_set(dir);
    std::string out;
    REQUIRE(run_command(fmt::format("{} --quiet run --model oracle {} --out {}", bin, source_and_pairs(dir), (dir / "sub").string())) == 0);
    write_file_atomically(dir / "sub/scores.json", "{\"pairs\": [");
    CHECK(run_command(fmt::format("{} --quiet eval --pred {} {} --out {}", bin, (dir / "sub").string(), source_and_pairs(dir),
                                  (dir / "e").string()),
                      &out) == 2);
    CHECK(out.find((dir / "sub/scores.json").string()) != std::string::npos);
    CHECK(out.find("unexpected error") == std::string::npos);
    // merge reads each shard's run.json.
    fs::copy(dir / "sub", dir / "shard", fs::copy_options::recursive);
    write_file_atomically(dir / "shard/run.json", "{\"model\": \"r2vos_tiny\", \"sha");
    CHECK(run_command(fmt::format("{} merge {} --pairs {} --out {}", bin, (dir / "shard").string(), (dir / "r2/r2_pairs.json").string(),
                                  (dir / "merged").string()),
                      &out) == 2);
    CHECK(out.find((dir / "shard/run.json").string()) != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "merged"));
}

namespace {
std::string run_tiny(const TempDir& dir, const std::string& out, const std::string& extra = "") {
    return fmt::format("{} --quiet --threads 1 run --model r2vos_tiny --synthetic-weights {} --out {} {}", bin, source_and_pairs(dir),
                       (dir / out).string(), extra);
}
}  // namespace

TEST_CASE("run: SIGINT and SIGTERM keep the complete expressions, exit 130 / 143, and --resume gives the unbroken run's bytes") {
    if (!neural_commands_available()) return;
    TempDir dir;
    tiny_set(dir);
    REQUIRE(run_command(run_tiny(dir, "whole")) == 0);
    for (const auto& [signal, code] : std::vector<std::pair<std::string, int>>{{"INT", 130}, {"TERM", 143}}) {
        CAPTURE(signal);
        const std::string name = "stopped" + signal;
        const int status = interrupt_when(dir, run_tiny(dir, name), complete_folders_at_least(name, 2), signal, dir / "log.txt");
        const std::string log = read_file(dir / "log.txt");
        CAPTURE(log);
        REQUIRE(status == code);
        CHECK(log.find(signal == "INT" ? "stopped by SIGINT" : "stopped by SIGTERM") != std::string::npos);
        CHECK(log.find("--out " + (dir / name).string() + " --resume") != std::string::npos);  // the line that resumes it
        CHECK_FALSE(fs::exists(dir / name));
        REQUIRE(fs::exists(dir / ("." + name + ".r2bench-partial")));
        // Without --resume the kept work is not silently thrown away.
        std::string out;
        CHECK(run_command(run_tiny(dir, name), &out) == 2);
        CHECK(out.find("--resume") != std::string::npos);
        CHECK(out.find("--force") != std::string::npos);
        REQUIRE(run_command(run_tiny(dir, name, "--resume"), &out) == 0);
        CHECK(out.find("expression folders reused") != std::string::npos);
        CHECK(tree_snapshot(dir / name).size() == tree_snapshot(dir / "whole").size());
        auto a = tree_snapshot(dir / name), b = tree_snapshot(dir / "whole");
        a.erase("run.json"), b.erase("run.json");
        CHECK(a == b);
        CHECK_FALSE(fs::exists(dir / ("." + name + ".r2bench-partial")));
    }
}

TEST_CASE("run --resume trusts no adopted folder it did not check: an empty or undecodable mask is run again") {
    if (!neural_commands_available()) return;
    TempDir dir;
    tiny_set(dir);
    REQUIRE(run_command(run_tiny(dir, "whole")) == 0);
    REQUIRE(interrupt_when(dir, run_tiny(dir, "cut"), complete_folders_at_least("cut", 3), "TERM", dir / "log.txt") == 143);
    // A node crash can leave renamed but empty files: damage one kept mask.
    fs::path damaged;
    for (const auto& e : fs::recursive_directory_iterator(dir / ".cut.r2bench-partial/Annotations"))
        if (e.path().extension() == ".png") damaged = e.path();
    REQUIRE(!damaged.empty());
    write_file_atomically(damaged, "");
    std::string out;
    REQUIRE(run_command(run_tiny(dir, "cut", "--resume"), &out) == 0);
    CHECK(out.find("damaged and run again") != std::string::npos);
    auto a = tree_snapshot(dir / "cut"), b = tree_snapshot(dir / "whole");
    a.erase("run.json"), b.erase("run.json");
    CHECK(a == b);
}

TEST_CASE("run of a neural model: inputs checked at once, a failed rerun or --resume keeps the finished run") {
    if (!neural_commands_available()) return;
    TempDir dir;
    tiny_set(dir);
    const std::string run = fmt::format("{} --quiet run --model mttr_tiny {} --out {} ", bin, source_and_pairs(dir), (dir / "m").string());
    REQUIRE(run_command(run) == 0);
    const auto before = tree_snapshot(dir / "m");
    std::string out;
    int status = 0;
    // A missing weights file is reported before any model is built.
    const double seconds = seconds_of([&] { status = run_command(run + "--weights " + (dir / "nope.safetensors").string(), &out); });
    CHECK(status == 2);
    CHECK(out.find((dir / "nope.safetensors").string()) != std::string::npos);
    CHECK(seconds < 5);
    CHECK(tree_snapshot(dir / "m") == before);
    // RoBERTa's tokenizer files, likewise (r2vos_r50 needs them; no weights either).
    CHECK(run_command(fmt::format("{} --quiet run --model r2vos_r50 --synthetic-weights --weights-dir {} {} --out {}", bin,
                                  (dir / "none").string(), source_and_pairs(dir), (dir / "m").string()),
                      &out) == 2);
    CHECK(out.find("vocab.json") != std::string::npos);
    CHECK(tree_snapshot(dir / "m") == before);
    // --resume with other weights: refused, the finished run untouched.
    CHECK(run_command(run + "--resume --synthetic-weights", &out) == 2);
    CHECK(out.find("made differently") != std::string::npos);
    CHECK(tree_snapshot(dir / "m") == before);
    // --resume of the finished run with the same settings reuses every folder and changes no mask.
    REQUIRE(run_command(run + "--resume", &out) == 0);
    auto after = tree_snapshot(dir / "m"), was = before;
    after.erase("run.json"), was.erase("run.json");
    CHECK(after == was);
}

namespace {
std::string train(const TempDir& dir, const std::string& out, const std::string& extra = "") {
    return fmt::format("{} --quiet --threads 1 train --model mttr_tiny --data {} --out {} --seed 3 --scales 64 {}", bin,
                       (dir / "train").string(), (dir / out).string(), extra);
}
}  // namespace

TEST_CASE("train: --out rules, SIGINT keeps the checkpoint, --resume reaches the unbroken run's bytes and can extend --steps") {
    if (!neural_commands_available()) return;
    TempDir dir;
    REQUIRE(run_command(fmt::format("{} --quiet synth --preset tiny --videos 4 --frames 5 --valid-fraction 0 --seed 5 --out {}", bin,
                                    (dir / "train").string())) == 0);
    REQUIRE(run_command(train(dir, "whole", "--steps 12 --checkpoint-every 4")) == 0);
    const std::string weights = read_file(dir / "whole/mttr_tiny.safetensors");
    std::string out;

    // Interrupted after a few steps: exit 130, --out absent, the newest checkpoint kept beside it.
    const std::string ready = "[ $(grep -c '\"loss\"' .cut.r2bench-tmp-*/train_log.jsonl 2>/dev/null || echo 0) -ge 3 ]";
    REQUIRE(interrupt_when(dir, train(dir, "cut", "--steps 12 --checkpoint-every 100"), ready, "INT", dir / "log.txt") == 130);
    const std::string log = read_file(dir / "log.txt");
    CHECK(log.find("--resume") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "cut"));
    CHECK(fs::exists(dir / ".cut.r2bench-partial/checkpoint.safetensors"));
    CHECK(run_command(train(dir, "cut", "--steps 12 --checkpoint-every 100"), &out) == 2);  // not discarded silently
    CHECK(out.find("--resume") != std::string::npos);
    // Other options are named in one line, not dumped.
    CHECK(run_command(train(dir, "cut", "--steps 12 --checkpoint-every 100 --resume --lr 0.01"), &out) == 2);
    CHECK(out.find("recipe.lr 0.01 (was") != std::string::npos);
    REQUIRE(run_command(train(dir, "cut", "--steps 12 --checkpoint-every 100 --resume"), &out) == 0);
    CHECK(read_file(dir / "cut/mttr_tiny.safetensors") == weights);
    CHECK_FALSE(fs::exists(dir / ".cut.r2bench-partial"));

    // A failed rerun (a missing --data) leaves the finished run byte for byte.
    const auto before = tree_snapshot(dir / "whole");
    CHECK(run_command(fmt::format("{} --quiet train --model mttr_tiny --data {} --out {}", bin, (dir / "nodata").string(),
                                  (dir / "whole").string()),
                      &out) == 2);
    CHECK(tree_snapshot(dir / "whole") == before);
    // A damaged train.json is named.
    fs::copy(dir / "whole", dir / "damaged", fs::copy_options::recursive);
    write_file_atomically(dir / "damaged/train.json", "{\"model\": ");
    CHECK(run_command(train(dir, "damaged", "--steps 14 --resume"), &out) == 2);
    CHECK(out.find((dir / "damaged/train.json").string()) != std::string::npos);
    // --resume extends a finished run to more steps.
    REQUIRE(run_command(train(dir, "whole", "--steps 14 --checkpoint-every 4 --resume"), &out) == 0);
    CHECK(out.find("steps 12..14 of 14") != std::string::npos);
    CHECK(read_file(dir / "whole/mttr_tiny.safetensors") != weights);
}
