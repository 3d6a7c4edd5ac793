#include "core/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

fs::path temporary_sibling(const fs::path& path) {
    static std::atomic<unsigned> counter{0};
    return path.parent_path() /
           fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(), counter++);
}

}  // namespace

void write_file_atomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
    std::error_code ec;
    if (!path.parent_path().empty()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw FileError(path.parent_path(), "cannot create directory: " + ec.message());
    }
    const fs::path tmp = temporary_sibling(path);
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw FileError(tmp, std::string("cannot open for writing: ") + std::strerror(errno));
            write(out);
            out.flush();
            if (!out) throw FileError(path, "write failed (disk full?)");
        }
        sync_path(tmp);
        fs::rename(tmp, path, ec);
        if (ec) throw FileError(path, "cannot rename temporary file into place: " + ec.message());
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
}

void write_file_atomically(const fs::path& path, std::string_view bytes) {
    write_file_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), std::streamsize(bytes.size())); });
}

void sync_path(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw FileError(path, std::string("cannot open to flush it to the disk: ") + std::strerror(errno));
    const int result = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    // Some file systems cannot sync a folder (EINVAL): nothing more can be done there.
    if (result != 0 && error != EINVAL) throw FileError(path, std::string("cannot flush to the disk: ") + std::strerror(error));
}

void sync_tree(const fs::path& root) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const auto type = it->symlink_status(ec).type();
        if (type == fs::file_type::regular || type == fs::file_type::directory) sync_path(it->path());
    }
    if (ec) throw FileError(root, "cannot list it to flush it to the disk: " + ec.message());
    sync_path(root);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) throw FileError(path, "cannot determine size");
    in.seekg(0, std::ios::beg);
    std::string bytes(static_cast<size_t>(size), '\0');
    in.read(bytes.data(), size);
    if (in.gcount() != size) throw FileError(path, "read failed");
    return bytes;
}

}  // namespace r2
