// MeViS' mask_dict.json (core/mevis.cpp): {anno_id: [per frame: COCO RLE or null]}, and the union
// of an expression's objects in a frame.
#include "core/error.h"
#include "core/mevis.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(r2::fuzz::bytes(data, size));
    try {
        const r2::MevisMaskDict dict = r2::parse_mevis_mask_dict(text, "mask_dict.json");
        std::vector<std::string> ids;
        size_t frames = 0;
        int64_t pixels = 0;
        for (const auto& [id, masks] : dict.annotations) {
            ids.push_back(id);
            frames = std::max(frames, masks.size());
            for (const auto& m : masks)
                if (m) pixels += int64_t(m->height) * m->width;
        }
        if (pixels > (int64_t(1) << 22)) return 0;  // decoding is bounded by the sizes; keep runs fast
        for (size_t t = 0; t < frames; ++t) {
            try {
                (void)r2::mevis_union_mask(dict, ids, t, "fuzz");
            } catch (const r2::Error&) {
            }
        }
    } catch (const r2::Error&) {
    }
    return 0;
}
