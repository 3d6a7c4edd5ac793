#include "core/output_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace r2 {
namespace fs = std::filesystem;

struct OutputLock::Held {
    fs::path file;
    std::string content;  // what we wrote: the file is released only while it still holds this
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    std::thread heartbeat;
};

namespace {

std::string now_text() {
    const std::time_t t = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

std::string read_small(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "";
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    return n > 0 ? std::string(buffer, size_t(n)) : std::string();
}

double age_seconds(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return std::difftime(std::time(nullptr), st.st_mtime);
}

// A process that exited but was not yet reaped (a zombie: its parent, or an init that does not
// reap, has not waited for it) still answers kill(pid, 0); /proc tells it apart. A killed
// server's orphaned worker is such a process for a moment, and its lock is free.
bool process_running(long pid) {
    if (pid <= 0 || !(::kill(pid_t(pid), 0) == 0 || errno == EPERM)) return false;
    const std::string stat = read_small(fmt::format("/proc/{}/stat", pid));
    const size_t paren = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos || paren + 2 >= stat.size()) return true;  // no /proc: trust kill()
    const char state = stat[paren + 2];
    return state != 'Z' && state != 'X';
}

// Why the lock in `file` is held by a live process ("" when it is stale, with `why_stale` said).
std::string live_holder(const fs::path& file, const std::string& text, std::string& why_stale) {
    nlohmann::json holder;
    try {
        holder = nlohmann::json::parse(text);
    } catch (const std::exception&) {
        // Written in one write() by open(O_EXCL) + write: an empty or partial file is either being
        // written this instant (young) or left by a crash between the two calls.
        if (age_seconds(file) < 10) return "another r2bench (its lock is being written)";
        why_stale = "its lock file is unreadable";
        return "";
    }
    const std::string host = holder.value("host", ""), command = holder.value("command", "?"),
                      since = holder.value("started", "?");
    const long pid = holder.value("pid", 0L);
    const std::string who = fmt::format("`r2bench {}` (process {} on host {}, since {})", command, pid, host, since);
    if (host == OutputLock::this_host()) {
        if (pid != long(::getpid()) && process_running(pid)) return who;
        why_stale = fmt::format("process {} on this host is gone", pid);
        return "";
    }
    const double age = age_seconds(file);
    if (age < OutputLock::kStaleSeconds) return who;
    why_stale = fmt::format("its host {} has not refreshed it for {:.0f} s", host, age);
    return "";
}

}  // namespace

long OutputLock::local_holder(const fs::path& final_path, const std::string& command) {
    try {
        const nlohmann::json holder = nlohmann::json::parse(read_small(lock_file(final_path)));
        const long pid = holder.value("pid", 0L);
        if (holder.value("host", "") != this_host() || holder.value("command", "") != command) return 0;
        return pid != long(::getpid()) && process_running(pid) ? pid : 0;
    } catch (const std::exception&) {
        return 0;  // no lock, or one being written
    }
}

bool OutputLock::running(long pid) { return process_running(pid); }

std::string OutputLock::this_host() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || !name[0]) return "unknown-host";
    std::string host = name;
    for (char& c : host)
        if (c == '/' || c == ' ') c = '_';
    return host;
}

fs::path OutputLock::lock_file(const fs::path& final_path) {
    fs::path parent = final_path.parent_path();
    if (parent.empty()) parent = ".";
    return parent / ("." + final_path.filename().string() + ".r2bench-lock");
}

OutputLock OutputLock::acquire(const fs::path& final_path, const std::string& command) {
    const fs::path file = lock_file(final_path);
    const std::string content =
        nlohmann::json{{"host", this_host()}, {"pid", long(::getpid())}, {"command", command}, {"started", now_text()}}.dump() + "\n";
    for (int attempt = 0; attempt < 3; ++attempt) {
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            const bool written = ::write(fd, content.data(), content.size()) == ssize_t(content.size());
            ::close(fd);
            if (!written) {
                ::unlink(file.c_str());
                throw FileError(file, "cannot write the lock of --out (disk full?)");
            }
            OutputLock lock;
            lock.held_ = std::make_unique<Held>();
            Held& h = *lock.held_;
            h.file = file, h.content = content;
            h.heartbeat = std::thread([&h] {
                std::unique_lock<std::mutex> guard(h.mutex);
                while (!h.wake.wait_for(guard, std::chrono::seconds(kHeartbeatSeconds), [&h] { return h.stop; }))
                    ::utimensat(AT_FDCWD, h.file.c_str(), nullptr, 0);
            });
            return lock;
        }
        if (errno != EEXIST) throw FileError(file, std::string("cannot create the lock of --out: ") + std::strerror(errno));
        std::string why_stale;
        const std::string holder = live_holder(file, read_small(file), why_stale);
        if (!holder.empty())
            throw FileError(final_path, fmt::format("is being written by {}; wait for it to finish (if that process is gone, "
                                                    "delete {})",
                                                    holder, file.string()));
        fmt::print(stderr, "r2bench: taking over the lock {} ({})\n", file.string(), why_stale);
        ::unlink(file.c_str());
    }
    throw FileError(file, "cannot take the lock of --out: another r2bench keeps taking it");
}

OutputLock::OutputLock() = default;
OutputLock::OutputLock(OutputLock&&) noexcept = default;

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
    if (this != &other) {
        OutputLock dropped(std::move(*this));
        held_ = std::move(other.held_);
    }
    return *this;
}

OutputLock::~OutputLock() {
    if (!held_) return;
    {
        std::lock_guard<std::mutex> guard(held_->mutex);
        held_->stop = true;
    }
    held_->wake.notify_all();
    if (held_->heartbeat.joinable()) held_->heartbeat.join();
    // Taken over meanwhile (we were thought dead): the file is the new holder's.
    if (read_small(held_->file) == held_->content) ::unlink(held_->file.c_str());
}

const fs::path& OutputLock::file() const {
    static const fs::path none;
    return held_ ? held_->file : none;
}

}  // namespace r2
