// core/output_dir: the one behaviour of every --out folder.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_dir.h"
#include "core/output_lock.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Every entry of a folder, hidden ones included (temporary folders start with a dot).
std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("OutputDir: commit renames the temporary folder into place, with the marker") {
    TempDir dir;
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        CHECK(out.path().parent_path() == dir.path);
        CHECK(out.path() != dir / "out");
        CHECK_FALSE(fs::exists(dir / "out"));  // nothing under the final name while working
        write_file_atomically(out.path() / "summary.json", "{}");
        out.commit();
    }
    CHECK(entries(dir.path) == std::vector<std::string>{"out"});
    CHECK(entries(dir / "out") == std::vector<std::string>{".r2bench-output.json", "summary.json"});
    CHECK(output_dir_command(dir / "out") == "eval");
}

TEST_CASE("OutputDir: the same command replaces its earlier output, anything else needs force") {
    TempDir dir;
    auto write = [&](const std::string& command, const std::string& file, bool force) {
        OutputDir out = OutputDir::begin(dir / "out", command, force);
        write_file_atomically(out.path() / file, "x");
        out.commit();
    };
    write("eval", "a.txt", false);
    write("eval", "b.txt", false);  // a rerun: the earlier files are gone, not merged
    CHECK(entries(dir / "out") == std::vector<std::string>{".r2bench-output.json", "b.txt"});
    CHECK(entries(dir.path) == std::vector<std::string>{"out"});
    // Another command's output is refused, naming that command and --force.
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "out", "run", false),
                         doctest::Contains("holds the output of `r2bench eval`"), FileError);
    // A folder r2bench did not write is refused, listing what it holds; --force replaces it.
    write_file_atomically(dir / "mine/notes.txt", "precious");
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "mine", "eval", false), doctest::Contains("notes.txt"), FileError);
    CHECK(read_file(dir / "mine/notes.txt") == "precious");
    write("eval", "c.txt", false);
    {
        OutputDir out = OutputDir::begin(dir / "mine", "eval", true);
        out.commit();
    }
    CHECK(entries(dir / "mine") == std::vector<std::string>{".r2bench-output.json"});
    // An empty folder and a file.
    fs::create_directories(dir / "empty");
    CHECK_NOTHROW(OutputDir::begin(dir / "empty", "eval", false));
    write_file_atomically(dir / "file", "x");
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "file", "eval", true), doctest::Contains("not a folder"), FileError);
}

TEST_CASE("OutputDir: failure leaves nothing new, and an earlier output exactly as it was") {
    TempDir dir;
    {
        OutputDir out = OutputDir::begin(dir / "a/b/out", "eval", false);
        write_file_atomically(out.path() / "half.json", "{");
        // no commit: as when the work throws
    }
    CHECK(entries(dir.path).empty());  // the parents it created are gone too
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        write_file_atomically(out.path() / "summary.json", "{\"J\": 0.5}");
        out.commit();
    }
    const auto before = r2::test::tree_snapshot(dir / "out");
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        CHECK(out.previous() == dir / "out");
        write_file_atomically(out.path() / "summary.json", "{\"J\": 0.1}");
    }
    CHECK(r2::test::tree_snapshot(dir / "out") == before);  // a failed rerun never costs the earlier results
    CHECK(entries(dir.path) == std::vector<std::string>{"out"});
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        const fs::path file = out.fail({"first problem", "second problem"});
        CHECK(file == dir / "out.problems.txt");
    }
    CHECK(read_file(dir / "out.problems.txt") == "first problem\nsecond problem\n");
    CHECK(r2::test::tree_snapshot(dir / "out") == before);
    // The next success replaces the output and drops the stale problem list.
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        out.commit();
    }
    CHECK(entries(dir.path) == std::vector<std::string>{"out"});
}

TEST_CASE("OutputDir: an earlier output moved aside by a commit killed half-way is put back") {
    TempDir dir;
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        write_file_atomically(out.path() / "summary.json", "earlier");
        out.commit();
    }
    // kill -9 between commit()'s two renames: --out is gone, the earlier output waits beside it.
    fs::rename(dir / "out", dir / ".out.r2bench-old-somehost.99999999");
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
        CHECK(out.previous() == dir / "out");
        CHECK(read_file(dir / "out/summary.json") == "earlier");
    }
    CHECK(entries(dir.path) == std::vector<std::string>{"out"});
    // Killed after the second rename: the new output is in place, the old copy is dropped.
    fs::create_directories(dir / ".out.r2bench-old-somehost.99999998");
    {
        OutputDir out = OutputDir::begin(dir / "out", "eval", false);
    }
    CHECK(entries(dir.path) == std::vector<std::string>{"out"});
    CHECK(read_file(dir / "out/summary.json") == "earlier");
}

TEST_CASE("OutputDir: set_aside keeps the temporary folder under another name, --out untouched") {
    TempDir dir;
    {
        OutputDir out = OutputDir::begin(dir / "out", "train", false);
        write_file_atomically(out.path() / "checkpoint", "step 5");
        out.set_aside(dir / ".out.r2bench-partial");
    }
    CHECK(entries(dir.path) == std::vector<std::string>{".out.r2bench-partial"});
    CHECK(read_file(dir / ".out.r2bench-partial/checkpoint") == "step 5");
}

TEST_CASE("OutputLock: a live holder is refused, a dead one is taken over, on this host or another") {
    TempDir dir;
    const fs::path lock_file = OutputLock::lock_file(dir / "out");
    CHECK(lock_file == dir / ".out.r2bench-lock");
    {
        OutputDir out = OutputDir::begin(dir / "out", "run", false);
        CHECK(fs::exists(lock_file));
        // Another process wanting the same --out (here: a second begin in this one, as the lock
        // does not know better) is refused, naming the holder and the lock file.
        nlohmann::json held = nlohmann::json::parse(read_file(lock_file));
        CHECK(held["host"] == OutputLock::this_host());
        CHECK(held["command"] == "run");
    }
    CHECK_FALSE(fs::exists(lock_file));  // released

    auto write_lock = [&](const std::string& host, long pid, int age_seconds) {
        write_file_atomically(lock_file, nlohmann::json{{"host", host}, {"pid", pid}, {"command", "run"}, {"started", "then"}}.dump());
        const auto when = fs::file_time_type::clock::now() - std::chrono::seconds(age_seconds);
        fs::last_write_time(lock_file, when);
    };
    // A live process on this host (pid 1 always exists): refused.
    write_lock(OutputLock::this_host(), 1, 0);
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "out", "run", false), doctest::Contains("is being written by `r2bench run` (process 1"),
                         FileError);
    // The same lock from another host with a fresh heartbeat: refused (its process may be alive).
    write_lock("node-17", 4242, 10);
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "out", "run", false), doctest::Contains("node-17"), FileError);
    // ... and with a heartbeat older than the stale limit: taken over (a requeued Slurm task).
    write_lock("node-17", 4242, OutputLock::kStaleSeconds + 30);
    {
        OutputDir out = OutputDir::begin(dir / "out", "run", false);
        CHECK(nlohmann::json::parse(read_file(lock_file))["host"] == OutputLock::this_host());
    }
    // A dead process on this host (a pid above the kernel's limit cannot exist): taken over.
    write_lock(OutputLock::this_host(), 99999999, 0);
    CHECK_NOTHROW(OutputDir::begin(dir / "out", "run", false));
    // A temporary folder of another host's dead run is removed once the lock is ours.
    fs::create_directories(dir / ".out.r2bench-tmp-node-17.4242");
    {
        OutputDir out = OutputDir::begin(dir / "out", "run", false);
    }
    CHECK_FALSE(fs::exists(dir / ".out.r2bench-tmp-node-17.4242"));
}

TEST_CASE("OutputLock: a holder that exited but was not reaped (a zombie) is gone, and local_holder finds only running ones") {
    TempDir dir;
    const fs::path lock_file = OutputLock::lock_file(dir / "out");
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(0);
    // Wait until it has exited, without reaping it: kill(pid, 0) still succeeds on a zombie.
    siginfo_t info{};
    REQUIRE(::waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) == 0);
    CHECK(::kill(child, 0) == 0);
    CHECK_FALSE(OutputLock::running(child));
    CHECK(OutputLock::running(::getppid()));
    write_file_atomically(lock_file, nlohmann::json{{"host", OutputLock::this_host()}, {"pid", long(child)}, {"command", "score"}, {"started", "then"}}.dump());
    CHECK(OutputLock::local_holder(dir / "out", "score") == 0);
    CHECK_NOTHROW(OutputDir::begin(dir / "out", "score", false));  // taken over
    ::waitpid(child, nullptr, 0);
    // A running holder of the right command is named; of another command, or on another host, not.
    write_file_atomically(lock_file, nlohmann::json{{"host", OutputLock::this_host()}, {"pid", long(::getppid())}, {"command", "score"}, {"started", "then"}}.dump());
    CHECK(OutputLock::local_holder(dir / "out", "score") == long(::getppid()));
    CHECK(OutputLock::local_holder(dir / "out", "run") == 0);
    write_file_atomically(lock_file, nlohmann::json{{"host", "node-17"}, {"pid", long(::getppid())}, {"command", "score"}, {"started", "then"}}.dump());
    CHECK(OutputLock::local_holder(dir / "out", "score") == 0);
}

TEST_CASE("OutputDir: an --out that is or holds an input is refused, an impossible --out fails at once") {
    TempDir dir;
    fs::create_directories(dir / "runs/model/Annotations");
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "runs", "eval", true, {dir / "runs/model"}),
                         doctest::Contains("would delete the input"), FileError);
    CHECK_THROWS_WITH_AS(OutputDir::begin(dir / "runs/model/", "eval", true, {dir / "runs/model"}),
                         doctest::Contains("would delete the input"), FileError);
    CHECK_NOTHROW(OutputDir::begin(dir / "runs/eval", "eval", false, {dir / "runs/model"}));
    write_file_atomically(dir / "blocker", "x");
    CHECK_THROWS_AS(OutputDir::begin(dir / "blocker/out", "eval", false), FileError);
    CHECK(path_inside(dir / "a/b", dir / "a"));
    CHECK_FALSE(path_inside(dir / "ab", dir / "a"));
}
