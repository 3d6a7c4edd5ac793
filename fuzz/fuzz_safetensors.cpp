// The safetensors reader (model_zoo/safetensors.cpp): header length, JSON header, offsets and
// dtype x shape. Every view it hands out is read to its end, so a bad offset shows up in ASan.
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "model_zoo/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const r2::SafetensorsFile f = r2::SafetensorsFile::parse(r2::fuzz::bytes(data, size), "fuzz.safetensors");
        unsigned sum = 0;
        for (const auto& t : f.tensors()) {
            if (t.bytes != size_t(t.numel()) * r2::dtype_size(t.dtype)) __builtin_trap();
            for (size_t i = 0; i < t.bytes; ++i) sum += t.data[i];
        }
        volatile unsigned keep = sum;
        (void)keep;
    } catch (const r2::Error&) {
    }
    return 0;
}
