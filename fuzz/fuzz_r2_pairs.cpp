// The r2_pairs.json reader (core/pairs.cpp). What it reads must survive being written and read
// again unchanged.
#include "core/error.h"
#include "core/pairs.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const std::string once = r2::r2_pairs_to_json(r2::parse_r2_pairs(std::string(r2::fuzz::bytes(data, size)), "r2_pairs.json"));
        if (r2::r2_pairs_to_json(r2::parse_r2_pairs(once, "again.json")) != once) __builtin_trap();
    } catch (const r2::Error&) {
    }
    return 0;
}
