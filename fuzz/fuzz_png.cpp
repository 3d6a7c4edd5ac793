// Mask PNGs (core/mask_png.cpp), differentially: the libdeflate fast path against libpng as the
// oracle. Where both decode a file they must give the same labels (ground truth) and the same
// foreground (predictions); either may refuse a file the other takes (the fast path declines
// whatever is unusual), but only with an r2::Error.
#include <optional>

#include "core/error.h"
#include "core/mask_png.h"
#include "fuzz/fuzz_util.h"

namespace {

using r2::detail::PngDecoder;

template <class Decode>
std::optional<r2::LabelMap> attempt(Decode decode, PngDecoder decoder) {
    try {
        return decode(decoder);
    } catch (const r2::Error&) {
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto bytes = r2::fuzz::bytes(data, size);
    r2::PngLimits limits;
    limits.max_pixels = 1 << 20;  // keeps each run quick; the limit itself is tested elsewhere
    const auto label = [&](PngDecoder d) { return r2::detail::decode_label_png(bytes, "fuzz.png", limits, d); };
    const auto prediction = [&](PngDecoder d) { return r2::detail::decode_prediction_png(bytes, "fuzz.png", limits, d); };
    for (const bool is_label : {true, false}) {
        std::optional<r2::LabelMap> fast, reference;
        if (is_label) {
            fast = attempt(label, PngDecoder::fast_only);
            reference = attempt(label, PngDecoder::libpng_only);
        } else {
            fast = attempt(prediction, PngDecoder::fast_only);
            reference = attempt(prediction, PngDecoder::libpng_only);
        }
        if (fast && reference && !(*fast == *reference)) __builtin_trap();
        // What eval runs: the fast path, and libpng where it declines.
        const auto automatic = is_label ? attempt(label, PngDecoder::automatic) : attempt(prediction, PngDecoder::automatic);
        if (fast && !(automatic && *automatic == *fast)) __builtin_trap();
    }
    return 0;
}
