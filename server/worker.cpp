#include "server/worker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace r2::server {
namespace fs = std::filesystem;

extern "C" char** environ;

pid_t spawn_worker(const std::vector<std::string>& argv, const fs::path& dir, const fs::path& log, const WorkerLimits& limits) {
    fs::create_directories(dir / "tmp");
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "TMPDIR=", 7) != 0 && std::strncmp(*e, "R2BENCH_PROGRESS_INTERVAL=", 26) != 0) env_text.push_back(*e);
    env_text.push_back("TMPDIR=" + (dir / "tmp").string());
    env_text.push_back("R2BENCH_PROGRESS_INTERVAL=1");  // progress lines the server reads from the log
    std::vector<char*> env;
    for (auto& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    const std::string dir_text = dir.string(), log_text = log.string();
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) throw Error(fmt::format("cannot start a worker: {}", std::strerror(errno)));
    if (pid > 0) {
        // Also set here, so that killing the group (-pid) reaches the worker even before the
        // child's own setpgid ran (a withdrawal right after the start).
        ::setpgid(pid, pid);
        return pid;
    }
    // The child.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);  // the server died before the line above
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGXFSZ, SIGXCPU}) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const rlimit cpu{rlim_t(limits.cpu_seconds), rlim_t(limits.cpu_seconds + 5)};
    const rlimit as{rlim_t(limits.memory_bytes), rlim_t(limits.memory_bytes)};
    const rlimit fsize{rlim_t(limits.file_bytes), rlim_t(limits.file_bytes)};
    const rlimit core{0, 0};
    ::setrlimit(RLIMIT_CPU, &cpu);
    ::setrlimit(RLIMIT_AS, &as);
    ::setrlimit(RLIMIT_FSIZE, &fsize);
    ::setrlimit(RLIMIT_CORE, &core);
    ::setpriority(PRIO_PROCESS, 0, 10);
    if (::chdir(dir_text.c_str()) != 0) ::_exit(126);
    const int fd = ::open(log_text.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null = ::open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0), ::dup2(fd, 1), ::dup2(fd, 2);
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
}

WorkerEnd classify_worker_exit(int status, bool cpu_exhausted) {
    if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? WorkerEnd::scored : WEXITSTATUS(status) == 2 ? WorkerEnd::refused : WorkerEnd::crashed;
    if (!WIFSIGNALED(status)) return WorkerEnd::crashed;
    const int sig = WTERMSIG(status);
    if (sig == SIGXCPU || (sig == SIGKILL && cpu_exhausted)) return WorkerEnd::cpu_limit;
    if (sig == SIGXFSZ) return WorkerEnd::file_limit;
    if (sig == SIGKILL) return WorkerEnd::killed;
    return WorkerEnd::crashed;
}

std::string describe_worker_exit(int status) {
    if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return "unknown end";
}

double child_cpu_seconds(const struct rusage& u) {
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace r2::server
