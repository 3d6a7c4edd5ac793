#include "server/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2::server {
namespace fs = std::filesystem;

ServerProcess::ServerProcess(const std::vector<std::string>& argv, const fs::path& data, const fs::path& log, int64_t file_size_limit) {
    std::error_code ec;
    fs::remove(data / "address", ec);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string log_text = log.string();
    pid_ = ::fork();
    if (pid_ < 0) throw Error("cannot fork a server");
    if (pid_ == 0) {
        const int fd = ::open(log_text.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) ::_exit(126);
        ::dup2(fd, 1), ::dup2(fd, 2);
        if (file_size_limit > 0) {
            rlimit limit;
            ::getrlimit(RLIMIT_FSIZE, &limit);
            limit.rlim_cur = rlim_t(file_size_limit);  // soft only: the workers raise theirs again
            ::setrlimit(RLIMIT_FSIZE, &limit);
        }
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    // Bounded wait: the server hashes the ground truth before it listens.
    for (int i = 0; i < 3000; ++i) {
        if (fs::exists(data / "address")) {
            address_ = read_file(data / "address");
            while (!address_.empty() && address_.back() == '\n') address_.pop_back();
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0;
            throw Error(fmt::format("the server exited before it listened; see {}", log.string()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill9();
    throw Error(fmt::format("the server did not listen within 150 s; see {}", log.string()));
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) kill9();
}

std::string ServerProcess::host() const {
    const size_t start = address_.find("//") + 2;
    return address_.substr(start, address_.rfind(':') - start);
}

int ServerProcess::port() const { return std::stoi(address_.substr(address_.rfind(':') + 1)); }

void ServerProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
}

int ServerProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<pid_t> worker_pids(pid_t server_pid) {
    std::vector<pid_t> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(e.path() / "stat");
        std::string text;
        if (!std::getline(stat, text)) continue;
        // pid (comm) state ppid …: the command name may hold spaces, so parse after the last ')'.
        const size_t close = text.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != server_pid || state == 'Z') continue;
        out.push_back(pid_t(std::stoi(name)));
    }
    return out;
}

}  // namespace r2::server
