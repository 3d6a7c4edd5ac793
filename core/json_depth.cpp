#include "core/json_depth.h"

#include <fmt/format.h>

#include "core/error.h"

namespace r2 {

void check_json_depth(std::string_view text, const std::string& name, int max_depth) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;  // the escaped character cannot end the string
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) throw FileError(name, fmt::format("JSON nested more than {} levels deep", max_depth));
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

}  // namespace r2
