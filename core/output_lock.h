// Who is writing an --out folder. `.NAME.r2bench-lock` beside it names the host, the process and
// the command; its modification time is a heartbeat, refreshed while the lock is held. Another
// r2bench asking for the same --out is refused while the holder is alive, and takes the lock over
// when it is not: on the same host when the process is gone, on another host (a Slurm task requeued
// on another node over a shared file system, which cannot see the old node's processes) when the
// heartbeat is older than kStaleSeconds. So a requeued task neither steals a live run nor waits
// forever on a dead one.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

namespace r2 {

class OutputLock {
public:
    static constexpr int kHeartbeatSeconds = 15;
    static constexpr int kStaleSeconds = 120;

    // Takes the lock of `final_path` for `command`. Throws FileError (naming the holder and the
    // lock file) while a live process holds it.
    static OutputLock acquire(const std::filesystem::path& final_path, const std::string& command);

    OutputLock();
    OutputLock(OutputLock&&) noexcept;
    OutputLock& operator=(OutputLock&&) noexcept;
    ~OutputLock();  // releases it

    const std::filesystem::path& file() const;

    // The lock file of `final_path`, and this machine's name as locks record it.
    static std::filesystem::path lock_file(const std::filesystem::path& final_path);
    static std::string this_host();

    // The process of this host that holds the lock of `final_path` for `command` and is still
    // running, or 0. (`serve` uses it to stop a worker its killed predecessor left behind.)
    static long local_holder(const std::filesystem::path& final_path, const std::string& command);
    // Whether `pid` is a running process (an exited, unreaped one is not).
    static bool running(long pid);

private:
    struct Held;
    std::unique_ptr<Held> held_;
};

}  // namespace r2
