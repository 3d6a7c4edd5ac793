// One behaviour for every command that writes an --out folder:
//   - --out is checked before any work (so a typo fails at once, not after minutes of work);
//   - the command writes into a temporary sibling folder, renamed onto --out by commit();
//   - an --out that holds this same command's earlier output (recognised by the marker file
//     `.r2bench-output.json` naming the command) is replaced, so rerunning a command just works;
//   - an --out holding anything else is refused unless `force` (then it is replaced);
//   - on failure (no commit: an exception, an early return) the destructor removes the temporary
//     folder, so nothing is left behind and an earlier output stays as it was.
//
//   OutputDir out = OutputDir::begin(options.out, "eval", options.force, {options.pred});
//   write_eval_report(out.path(), …);
//   out.commit();
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace r2 {

class OutputDir {
public:
    static constexpr const char* kMarker = ".r2bench-output.json";

    // Throws r2::FileError when `final_path` cannot be used: not a folder, a folder holding
    // something else (without `force`), the same as or a folder above one of `inputs`, or not
    // writable. Creates the parent folders and the (empty) temporary folder.
    static OutputDir begin(const std::filesystem::path& final_path, const std::string& command, bool force,
                           const std::vector<std::filesystem::path>& inputs = {});

    OutputDir(OutputDir&& other) noexcept;
    OutputDir& operator=(OutputDir&&) = delete;
    OutputDir(const OutputDir&) = delete;
    ~OutputDir();

    // Where the command writes (the temporary folder until commit()).
    const std::filesystem::path& path() const { return tmp_; }
    const std::filesystem::path& final_path() const { return final_; }
    // The earlier output of this same command at final_path(), if any (for caches to reuse).
    const std::optional<std::filesystem::path>& previous() const { return previous_; }

    // Writes the marker and moves the temporary folder onto final_path(), replacing what was
    // there. After commit() the destructor does nothing.
    void commit();

    // The command failed. Removes the temporary folder and this command's earlier output at
    // final_path() (stale results must not pass for this run's; a foreign folder is never touched),
    // and the parent folders begin() created. The destructor does this when commit() was not called.
    // With `problems`, final_path() instead holds just problems.txt (the full list, one a line) and
    // the marker, so the next run replaces it; returns that file's path.
    std::filesystem::path fail(const std::vector<std::string>& problems = {});

private:
    OutputDir() = default;
    std::filesystem::path final_, tmp_;
    std::string command_;
    std::optional<std::filesystem::path> previous_;
    std::filesystem::path created_;  // the topmost parent folder begin() created, if any
    bool done_ = false;
};

// Whether `inner` is `outer` or inside it (symbolic links and `..` resolved where they exist).
bool path_inside(const std::filesystem::path& inner, const std::filesystem::path& outer);

// The command named by the marker in `dir`, or "" when there is none (or it is unreadable).
std::string output_dir_command(const std::filesystem::path& dir);

// The temporary siblings `.NAME.r2bench-tmp-PID` in `parent` whose process no longer exists (left
// by a crash or kill -9): removed by OutputDir::begin, adopted by `run --resume`.
std::vector<std::filesystem::path> temporaries_of_dead_processes(const std::filesystem::path& parent, const std::string& name);

}  // namespace r2
