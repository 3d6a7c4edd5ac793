// COCO RLE (core/coco_rle.cpp): the compressed counts string of MeViS' mask_dict.json, and the
// {"size", "counts"} object around it. Whatever decodes must encode back to the same runs, and a
// decoded mask must re-encode to the runs it came from (runs of length 0 aside).
#include "core/coco_rle.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(r2::fuzz::bytes(data, size));
    try {
        const std::vector<uint32_t> runs = r2::decode_rle_string(text);
        if (r2::decode_rle_string(r2::encode_rle_string(runs)) != runs) __builtin_trap();
    } catch (const r2::Error&) {
    }
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        const r2::CocoRle rle = r2::parse_coco_rle(j, "fuzz");
        if (int64_t(rle.height) * rle.width <= 1 << 20) {
            const r2::LabelMap mask = r2::decode_coco_rle(rle);
            const r2::CocoRle again = r2::encode_coco_rle(mask);
            if (!(r2::decode_coco_rle(again) == mask)) __builtin_trap();
        }
    } catch (const nlohmann::json::exception&) {
    } catch (const r2::Error&) {
    }
    return 0;
}
