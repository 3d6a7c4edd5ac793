#include "test_util.h"

#include <atomic>
#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/atomic_file.h"

namespace r2::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() / fmt::format("r2bench-test-{}-{}", ::getpid(), counter++);
    fs::remove_all(path);
    fs::create_directories(path);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

LabelMap labels_from_rows(const std::vector<std::string>& rows) {
    LabelMap m(int(rows.at(0).size()), int(rows.size()));
    for (int y = 0; y < m.height; ++y)
        for (int x = 0; x < m.width; ++x) m.at(x, y) = rows[size_t(y)][size_t(x)] == '.' ? 0 : uint8_t(rows[size_t(y)][size_t(x)] - '0');
    return m;
}

bool models_executable_beside(const std::string& r2bench_binary) {
    return std::filesystem::is_regular_file(std::filesystem::path(r2bench_binary).parent_path() / "r2bench-models");
}

int run_command(const std::string& command, std::string* output) {
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return -1;
    std::string text;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
    const int status = ::pclose(pipe);
    if (output) *output = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::map<std::string, std::string> tree_snapshot(const std::filesystem::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        files[std::filesystem::relative(e.path(), dir).string()] = e.is_regular_file() ? read_file(e.path()) : std::string("<folder>");
    return files;
}

}  // namespace r2::test
