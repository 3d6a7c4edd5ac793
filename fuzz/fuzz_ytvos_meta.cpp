// The Ref-YouTube-VOS metadata readers (core/ytvos_meta.cpp): meta_expressions.json and meta.json.
// What one reads must survive being written and read again unchanged.
#include "core/error.h"
#include "core/ytvos_meta.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(r2::fuzz::bytes(data, size));
    try {
        const std::string once = r2::meta_expressions_to_json(r2::parse_meta_expressions(text, "meta_expressions.json"));
        if (r2::meta_expressions_to_json(r2::parse_meta_expressions(once, "again.json")) != once) __builtin_trap();
    } catch (const r2::Error&) {
    }
    try {
        const std::string once = r2::video_meta_to_json(r2::parse_video_meta(text, "meta.json"));
        if (r2::video_meta_to_json(r2::parse_video_meta(once, "again.json")) != once) __builtin_trap();
    } catch (const r2::Error&) {
    }
    return 0;
}
