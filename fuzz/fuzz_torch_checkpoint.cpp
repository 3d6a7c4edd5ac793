// read_checkpoint on a whole file: the .pth zip reader (libzip, entry sizes checked against the
// archive) and the unpickler behind it. Seeds are real torch.save files, so mutations get past
// the zip's checksums often enough to reach the pickle.
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "model_zoo/torch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = r2::fuzz::scratch_file("input.pth", data, size);
    try {
        r2::read_checkpoint(path);
    } catch (const r2::Error&) {
    }
    return 0;
}
