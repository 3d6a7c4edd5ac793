// Whether this processor runs the kernels built with AVX2 + FMA (chosen at run time, so one
// binary serves older CPUs too).
#pragma once

namespace r2::nn {

inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
#else
    return false;
#endif
}

}  // namespace r2::nn
