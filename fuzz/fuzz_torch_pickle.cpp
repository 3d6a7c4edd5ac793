// The restricted unpickler of torch checkpoints (model_zoo/torch_checkpoint.cpp) on raw pickle
// bytes: the zip around it is fuzzed by fuzz_torch_checkpoint. Every storage holds 64 bytes, so
// tensor views are checked against real data.
#include <string>

#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "model_zoo/torch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto storage = [](const std::string& key) { return std::string(64, char(key.size())); };
    try {
        const r2::CheckpointTensors c = r2::detail::read_checkpoint_pickle(r2::fuzz::bytes(data, size), storage, "fuzz.pth");
        // Every copy must hold exactly what its shape and dtype say.
        for (const auto& t : c.tensors) {
            size_t n = 1;
            for (int64_t d : t.shape) n *= size_t(d);
            if (t.bytes.size() != n * r2::dtype_size(t.dtype)) __builtin_trap();
        }
    } catch (const r2::Error&) {
    }
    return 0;
}
