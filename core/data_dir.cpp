#include "core/data_dir.h"

#include <cstdlib>
#include <system_error>

namespace r2 {
namespace fs = std::filesystem;

fs::path data_dir() {
    if (const char* dir = std::getenv("R2BENCH_DATA_DIR"); dir && *dir) return dir;
    auto exists = [](const fs::path& dir) {
        std::error_code ec;
        return fs::is_directory(dir, ec);
    };
    std::error_code ec;
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    const fs::path installed = (exe_dir / ".." / "share" / "r2bench").lexically_normal();
    if (!ec) {
        if (exists(installed)) return installed;
        if (exists(exe_dir / "share" / "r2bench")) return exe_dir / "share" / "r2bench";
    }
    const fs::path configured = R2BENCH_INSTALL_DATA_DIR;
    return ec || exists(configured) ? configured : installed;
}

fs::path bundled_weights_dir() {
    if (const char* dir = std::getenv("R2BENCH_TINY_WEIGHTS"); dir && *dir) return dir;
    return data_dir() / "tiny_weights";
}

}  // namespace r2
