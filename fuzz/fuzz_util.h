// What the fuzz targets share: a scratch folder for the readers that take a path (libzip, HDF5),
// and the one rule of every target: a parser may refuse its input only with an r2::Error; any
// other exception escapes to libFuzzer and is reported as a crash.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace r2::fuzz {

// A folder of this process, under $TMPDIR (or /dev/shm, which spares the disk), removed at exit.
inline const std::filesystem::path& scratch() {
    static const std::filesystem::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::filesystem::path base = tmp ? tmp : (std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp");
        std::filesystem::path d = base / ("r2bench-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        static struct Remover {
            std::filesystem::path p;
            ~Remover() {
                std::error_code ec;
                std::filesystem::remove_all(p, ec);
            }
        } remover{d};
        return d;
    }();
    return dir;
}

// Writes the input to scratch()/name and returns the path.
inline std::filesystem::path scratch_file(const std::string& name, const uint8_t* data, size_t size) {
    const std::filesystem::path p = scratch() / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
    return p;
}

inline std::string_view bytes(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

}  // namespace r2::fuzz
