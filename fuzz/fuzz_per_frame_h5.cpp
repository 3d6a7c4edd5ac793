// The per_frame.h5 reader (reports/per_frame_h5.cpp), which checks every dataset before trusting
// it. HDF5 opens files by name, so each input goes through a scratch file. HDF5 itself is not
// instrumented: coverage guides the fuzzer through our checks only.
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "reports/per_frame_h5.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = r2::fuzz::scratch_file("per_frame.h5", data, size);
    try {
        r2::read_per_frame_h5(path);
    } catch (const r2::Error&) {
    }
    return 0;
}
