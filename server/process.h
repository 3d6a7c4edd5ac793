// A `r2bench serve` child process, for `bench serve` and the tests: started with its address file
// removed, ready once the server wrote DATA/address, killed (SIGKILL) when the object goes away.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace r2::server {

class ServerProcess {
public:
    // argv: the whole command (argv[0] the r2bench executable) with its `--data data`; output to
    // `log`. file_size_limit > 0: a soft RLIMIT_FSIZE for the server (a disk-full test).
    ServerProcess(const std::vector<std::string>& argv, const std::filesystem::path& data, const std::filesystem::path& log,
                  int64_t file_size_limit = 0);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    const std::string& address() const { return address_; }  // "http://127.0.0.1:PORT"
    std::string host() const;
    int port() const;
    pid_t pid() const { return pid_; }
    void kill9();  // kill -9, then reaped
    int stop();    // SIGTERM, then its exit status (-1 if it was killed by a signal)

private:
    pid_t pid_ = 0;
    std::string address_;
};

// The worker processes (`r2bench score`) the server `server_pid` is running now.
std::vector<pid_t> worker_pids(pid_t server_pid);

}  // namespace r2::server
