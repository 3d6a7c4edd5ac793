// Scoring runs in a worker process, never in the server: `r2bench score` (the same code as the
// command) under setrlimit limits on CPU time, address space and file size, in its own folder (its
// TMPDIR too), niced so the pages stay fast while it works, and killed with the server (PDEATHSIG).
#pragma once
#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace r2::server {

struct WorkerLimits {
    int64_t cpu_seconds = 3600;
    int64_t memory_bytes = int64_t(8) << 30;   // address space
    int64_t file_bytes = int64_t(16) << 30;    // largest file it may write
    double wall_seconds = 7200;
};

// Starts `argv` (argv[0] an executable path) in `dir` (created), stdout and stderr to `log`.
// Throws r2::Error when it cannot start.
pid_t spawn_worker(const std::vector<std::string>& argv, const std::filesystem::path& dir, const std::filesystem::path& log,
                   const WorkerLimits& limits);

// How a worker ended, from waitpid's status.
enum class WorkerEnd {
    scored,       // exit 0
    refused,      // exit 2: the submission's problems (on its stderr)
    cpu_limit,    // SIGXCPU or killed at the hard CPU limit
    file_limit,   // SIGXFSZ
    killed,       // SIGKILL from outside (kill -9, the OOM killer): not the submission's fault, retried
    crashed,      // any other exit or signal
};
WorkerEnd classify_worker_exit(int status, bool cpu_exhausted);
std::string describe_worker_exit(int status);

// CPU seconds (user + system) a finished child used, from its rusage.
double child_cpu_seconds(const struct rusage& usage);

}  // namespace r2::server
