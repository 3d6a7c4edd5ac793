#include "core/json_file.h"

#include "core/atomic_file.h"

namespace r2 {

nlohmann::ordered_json read_json_file(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw FileError(path, "is empty (a write cut short?)");
    try {
        return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw FileError(path, std::string("not valid JSON (truncated or damaged?): ") + e.what());
    }
}

}  // namespace r2
