// How deeply a JSON text nests, checked before it is parsed. nlohmann::json parses and frees any
// depth without recursion, but copying, comparing and dumping a value recurse once per level: the
// readers keep parts of their files (raw expression entries, provenance) and copy them, so a few
// MB of '[' would overflow the stack after a successful parse. No metadata file nests past a
// handful of levels.
#pragma once
#include <string>
#include <string_view>

namespace r2 {

constexpr int kMaxJsonDepth = 256;

// Throws FileError naming `name` when arrays and objects in `text` nest deeper than `max_depth`.
// Brackets inside strings do not count; text that is not JSON is left for the parser to refuse.
void check_json_depth(std::string_view text, const std::string& name, int max_depth = kMaxJsonDepth);

}  // namespace r2
