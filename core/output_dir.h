// One behaviour for every command that writes an --out folder:
//   - --out is checked before any work (so a typo fails at once, not after minutes of work);
//   - the command writes into a temporary sibling folder, renamed onto --out by commit();
//   - an --out that holds this same command's earlier output (recognised by the marker file
//     `.r2bench-output.json` naming the command) is replaced, so rerunning a command just works;
//   - an --out holding anything else is refused unless `force` (then it is replaced);
//   - on failure (no commit: an exception, an early return, Ctrl-C) the destructor removes the
//     temporary folder: --out stays exactly as it was before the command (same files, same bytes),
//     whether it held an earlier output or nothing;
//   - a lock beside --out (core/output_lock.h) keeps two processes from writing it at once.
//
//   OutputDir out = OutputDir::begin(options.out, "eval", options.force, {options.pred});
//   write_eval_report(out.path(), …);
//   out.commit();
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/output_lock.h"

namespace r2 {

class OutputDir {
public:
    static constexpr const char* kMarker = ".r2bench-output.json";

    // Throws r2::FileError when `final_path` cannot be used: not a folder, a folder holding
    // something else (without `force`), the same as or a folder above one of `inputs`, or not
    // writable, or being written by another live process. Creates the parent folders, takes the
    // lock, calls `while_locked` (e.g. `run` claims killed runs' temporary folders before they are
    // cleaned up), then removes dead processes' temporary folders and creates the (empty) temporary
    // folder.
    static OutputDir begin(const std::filesystem::path& final_path, const std::string& command, bool force,
                           const std::vector<std::filesystem::path>& inputs = {},
                           const std::function<void()>& while_locked = {});

    OutputDir(OutputDir&& other) noexcept;
    OutputDir& operator=(OutputDir&&) = delete;
    OutputDir(const OutputDir&) = delete;
    ~OutputDir();

    // Where the command writes (the temporary folder until commit()).
    const std::filesystem::path& path() const { return tmp_; }
    const std::filesystem::path& final_path() const { return final_; }
    // The earlier output of this same command at final_path(), if any (for caches to reuse).
    const std::optional<std::filesystem::path>& previous() const { return previous_; }

    // Writes the marker, flushes the temporary folder to the disk and moves it onto final_path(),
    // replacing what was there (and removing an earlier failure's problems file). After commit()
    // the destructor does nothing.
    void commit();

    // The command failed. Removes the temporary folder and the parent folders begin() created;
    // final_path() is not touched. The destructor does this when commit() was not called. With
    // `problems`, the full list (one a line) is written to problems_file() beside final_path();
    // returns that file's path.
    std::filesystem::path fail(const std::vector<std::string>& problems = {});

    // The command stopped with work worth keeping (an interrupted training run): the temporary
    // folder is flushed and renamed to `where` (replacing it), final_path() is not touched.
    void set_aside(const std::filesystem::path& where);

    // `<out>.problems.txt` beside --out: where a failed command's full problem list goes.
    static std::filesystem::path problems_file(const std::filesystem::path& final_path);

private:
    OutputDir() = default;
    static void check_replaceable(OutputDir& out, const std::string& command, bool force);
    void abandon();  // releases the lock and removes the parent folders begin() created (when empty)
    std::filesystem::path final_, tmp_;
    std::string command_;
    std::optional<std::filesystem::path> previous_;
    std::filesystem::path created_;  // the topmost parent folder begin() created, if any
    OutputLock lock_;
    bool done_ = false;
};

// Whether `inner` is `outer` or inside it (symbolic links and `..` resolved where they exist).
bool path_inside(const std::filesystem::path& inner, const std::filesystem::path& outer);

// The command named by the marker in `dir`, or "" when there is none (or it is unreadable).
std::string output_dir_command(const std::filesystem::path& dir);

// The temporary siblings `.NAME.r2bench-tmp-HOST.PID` in `parent` left by a process that is gone (a
// crash, kill -9, a node lost): removed by OutputDir::begin, claimed by `run` and `train` first.
// Call it while holding the lock of --out: then every temporary folder but this process's is dead
// (a live writer would hold the lock), on this host or another.
std::vector<std::filesystem::path> temporaries_of_dead_processes(const std::filesystem::path& parent, const std::string& name);

}  // namespace r2
