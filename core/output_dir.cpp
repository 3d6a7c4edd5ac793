#include "core/output_dir.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTmpTag = ".r2bench-tmp-";
constexpr const char* kOldTag = ".r2bench-old-";  // the earlier output, moved aside during commit()

// `out/` and `out` name the same folder; `.` and `..` need their real name to get a sibling.
fs::path clean(const fs::path& p) {
    fs::path c = p.lexically_normal();
    if (c.filename().empty() && c.has_parent_path()) c = c.parent_path();
    if (c.empty() || c.filename() == "." || c.filename() == "..") {
        c = fs::absolute(p).lexically_normal();
        if (c.filename().empty() && c.has_parent_path()) c = c.parent_path();
    }
    return c;
}

bool inside_or_same(const fs::path& inner, const fs::path& outer) {
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty()) continue;  // a trailing separator
        if (i == inner.end() || *i != *o) return false;
    }
    return true;
}

// commit() moves the earlier output aside, then the new one into place. Killed between the two,
// --out is missing and the earlier output waits as `.NAME.r2bench-old-…`: it goes back (or, when the
// new output made it, it is dropped). Called under the lock, so its process is gone.
void restore_interrupted_replacement(const fs::path& parent, const std::string& name, const fs::path& final_path) {
    const std::string prefix = "." + name + kOldTag;
    std::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().rfind(prefix, 0) != 0) continue;
        std::error_code e;
        if (!fs::exists(fs::symlink_status(final_path, e))) {
            fs::rename(it->path(), final_path, e);
            if (!e) fmt::print(stderr, "r2bench: restored {} (its replacement was interrupted)\n", final_path.string());
        } else {
            fs::remove_all(it->path(), e);
        }
    }
}

void remove_stale_temporaries(const fs::path& parent, const std::string& name) {
    for (const auto& stale : temporaries_of_dead_processes(parent, name)) {
        std::error_code ignored;
        fs::remove_all(stale, ignored);
    }
}

std::string some_entries(const fs::path& dir) {
    std::vector<std::string> names;
    size_t n = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec), ++n)
        if (names.size() < 3) names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    std::string s;
    for (const auto& name : names) s += (s.empty() ? "" : ", ") + name;
    return n > names.size() ? s + ", …" : s;
}

}  // namespace

bool path_inside(const fs::path& inner, const fs::path& outer) {
    auto resolved = [](const fs::path& p) {
        std::error_code ec;
        fs::path r = fs::weakly_canonical(fs::absolute(p), ec);
        return ec || r.empty() ? fs::absolute(p).lexically_normal() : r;
    };
    return inside_or_same(resolved(inner), resolved(outer));
}

std::string output_dir_command(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_regular_file(dir / OutputDir::kMarker, ec)) return "";
    try {
        const auto marker = nlohmann::json::parse(read_file(dir / OutputDir::kMarker));
        return marker.value("command", "");
    } catch (const std::exception&) {
        return "";
    }
}

OutputDir OutputDir::begin(const fs::path& final_path, const std::string& command, bool force,
                           const std::vector<fs::path>& inputs, const std::function<void()>& while_locked) {
    if (final_path.empty()) throw Error(fmt::format("{}: --out is empty", command));
    OutputDir out;
    out.command_ = command;
    out.final_ = clean(final_path);
    std::error_code ec;

    for (const auto& input : inputs) {
        if (input.empty()) continue;
        if (path_inside(input, out.final_))
            throw FileError(out.final_, fmt::format("replacing it would delete the input {}; choose another --out",
                                                    input.string()));
    }

    fs::path parent = out.final_.parent_path();
    if (parent.empty()) parent = ".";
    const std::string name = out.final_.filename().string();
    // Parent folders made here are removed again on failure (nothing is left behind).
    for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) out.created_ = p;
    fs::create_directories(parent, ec);
    if (ec) throw FileError(parent, "cannot create folder for --out: " + ec.message());
    try {
        out.lock_ = OutputLock::acquire(out.final_, command);
        // Under the lock: an earlier output moved aside by a commit that was killed half-way goes back.
        restore_interrupted_replacement(parent, name, out.final_);
        check_replaceable(out, command, force);
        if (while_locked) while_locked();
        remove_stale_temporaries(parent, name);
        out.tmp_ = parent / fmt::format(".{}{}{}.{}", name, kTmpTag, OutputLock::this_host(), ::getpid());
        fs::remove_all(out.tmp_, ec);
        if (!fs::create_directory(out.tmp_, ec) || ec)
            throw FileError(out.final_, "cannot write beside it: " + (ec ? ec.message() : std::string("already exists")));
    } catch (...) {
        out.tmp_.clear();
        out.abandon();
        throw;
    }
    return out;
}

void OutputDir::check_replaceable(OutputDir& out, const std::string& command, bool force) {
    std::error_code ec;
    const fs::file_status status = fs::status(out.final_, ec);
    if (!fs::exists(status)) return;
    if (!fs::is_directory(status)) throw FileError(out.final_, "exists and is not a folder; choose another --out");
    const bool empty = fs::is_empty(out.final_, ec);
    const std::string owner = output_dir_command(out.final_);
    if (owner == command) {
        out.previous_ = out.final_;
    } else if (!empty && !force) {
        if (!owner.empty())
            throw FileError(out.final_, fmt::format("holds the output of `r2bench {}`, not of `r2bench {}`; choose "
                                                    "another --out, or pass --force to replace it", owner, command));
        throw FileError(out.final_, fmt::format("is not empty and was not written by `r2bench {}` (it holds {}); "
                                                "choose another --out, or pass --force to replace it",
                                                command, some_entries(out.final_)));
    }
}

void OutputDir::abandon() {
    done_ = true;
    lock_ = OutputLock();  // its file is in the parent folder, which may go now
    if (created_.empty()) return;
    std::error_code ec;
    for (fs::path p = final_.parent_path(); !p.empty(); p = p.parent_path()) {
        if (!fs::remove(p, ec) || p == created_) break;  // fs::remove deletes only empty folders
    }
}

OutputDir::OutputDir(OutputDir&& other) noexcept
    : final_(std::move(other.final_)), tmp_(std::move(other.tmp_)), command_(std::move(other.command_)),
      previous_(std::move(other.previous_)),
      created_(std::move(other.created_)), lock_(std::move(other.lock_)), done_(other.done_) {
    other.done_ = true;
}

OutputDir::~OutputDir() {
    if (!done_) fail();
}

fs::path OutputDir::problems_file(const fs::path& final_path) {
    const fs::path c = clean(final_path);
    return c.parent_path() / (c.filename().string() + ".problems.txt");
}

fs::path OutputDir::fail(const std::vector<std::string>& problems) {
    if (done_ || tmp_.empty()) return {};
    done_ = true;
    std::error_code ec;
    fs::remove_all(tmp_, ec);
    if (!problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += p + "\n";
        try {
            write_file_atomically(problems_file(final_), text);
            return problems_file(final_);
        } catch (const std::exception&) {
            // The list is on the terminal anyway; fall through to the clean-up.
        }
    }
    abandon();
    return {};
}

void OutputDir::set_aside(const fs::path& where) {
    if (done_) return;
    sync_tree(tmp_);
    std::error_code ec;
    fs::remove_all(where, ec);
    fs::rename(tmp_, where, ec);
    if (ec) throw FileError(where, "cannot keep the interrupted work here: " + ec.message());
    sync_path(where.parent_path().empty() ? fs::path(".") : where.parent_path());
    done_ = true;
}

void OutputDir::commit() {
    if (done_) return;
    const nlohmann::ordered_json marker = {
        {"command", command_},
        {"note", "Written by r2bench; running the same command with this --out again replaces this folder."}};
    write_file_atomically(tmp_ / kMarker, marker.dump(1) + "\n");
    // Everything under its final name must survive a crash right after the rename.
    sync_tree(tmp_);

    std::error_code ec;
    if (fs::exists(fs::symlink_status(final_, ec))) {
        // Move the old output aside first, so a failed rename can put it back.
        const fs::path old = tmp_.parent_path() / fmt::format(".{}{}{}.{}", final_.filename().string(), kOldTag,
                                                              OutputLock::this_host(), ::getpid());
        fs::remove_all(old, ec);
        fs::rename(final_, old, ec);
        if (ec) throw FileError(final_, "cannot replace the earlier output: " + ec.message());
        fs::rename(tmp_, final_, ec);
        if (ec) {
            std::error_code ignored;
            fs::rename(old, final_, ignored);
            throw FileError(final_, "cannot move the new output into place: " + ec.message());
        }
        fs::remove_all(old, ec);
    } else {
        fs::rename(tmp_, final_, ec);
        if (ec) throw FileError(final_, "cannot move the output into place: " + ec.message());
    }
    fs::remove(problems_file(final_), ec);  // an earlier failure's list no longer applies
    sync_path(tmp_.parent_path());
    done_ = true;
}

std::vector<fs::path> temporaries_of_dead_processes(const fs::path& parent, const std::string& name) {
    // `.NAME.r2bench-tmp-HOST.PID` (older versions: `.NAME.r2bench-tmp-PID`). Under the lock of
    // --out every other process's folder is dead; the check of this host's processes also keeps an
    // older r2bench without locks safe.
    const std::string prefix = "." + name + kTmpTag;
    const std::string host = OutputLock::this_host();
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string f = it->path().filename().string();
        if (f.rfind(prefix, 0) != 0) continue;
        const std::string tag = f.substr(prefix.size());
        const size_t dot = tag.rfind('.');
        const std::string pid = dot == std::string::npos ? tag : tag.substr(dot + 1);
        const std::string its_host = dot == std::string::npos ? host : tag.substr(0, dot);
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t process = pid_t(std::stol(pid));
        if (its_host == host && (process == ::getpid() || ::kill(process, 0) == 0 || errno == EPERM)) continue;
        out.push_back(it->path());
    }
    return out;
}

}  // namespace r2
