// The fast MSDA CPU kernel built with AVX2 and FMA (see msdeform_attn_kernel.inc).
#define R2_MSDA_ISA avx2
#include "model_zoo/msdeform_attn_kernel.inc"

namespace r2::nn {
void msda_cpu_avx2(const float* value, const int64_t* shapes, const int64_t* starts, const float* locations, const float* weights,
                   float* out, int64_t N, int64_t S, int64_t M, int64_t D, int64_t Lq, int64_t L, int64_t P) {
    avx2::msda_cpu<float>(value, shapes, starts, locations, weights, out, N, S, M, D, Lq, L, P);
}
void msda_cpu_backward_avx2(const float* value, const int64_t* shapes, const int64_t* starts, const float* locations, const float* weights,
                            const float* grad_out, float* grad_value, float* grad_locations, float* grad_weights, int64_t N, int64_t S,
                            int64_t M, int64_t D, int64_t Lq, int64_t L, int64_t P) {
    avx2::msda_cpu_backward<float>(value, shapes, starts, locations, weights, grad_out, grad_value, grad_locations, grad_weights, N, S, M, D,
                                   Lq, L, P);
}
}  // namespace r2::nn
