// The CUDA kernel of multi-scale deformable attention: one thread per output value
// (n, q, m, d), summing its L·P bilinear samples. Built when R2BENCH_CUDA is on.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "model_zoo/msdeform_attn_cuda.h"

namespace r2::nn {

namespace {

template <typename T>
__global__ void msda_forward_kernel(const T* __restrict__ value, const int64_t* __restrict__ shapes,
                                    const int64_t* __restrict__ starts, const T* __restrict__ locations,
                                    const T* __restrict__ weights, T* __restrict__ out, int64_t N, int64_t S, int64_t M,
                                    int64_t D, int64_t Lq, int64_t L, int64_t P) {
    const int64_t total = N * Lq * M * D;
    for (int64_t index = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; index < total; index += int64_t(blockDim.x) * gridDim.x) {
        const int64_t d = index % D;
        const int64_t m = (index / D) % M;
        const int64_t nq = index / (D * M);
        const int64_t n = nq / Lq;
        const T* loc = locations + (nq * M + m) * L * P * 2;
        const T* w = weights + (nq * M + m) * L * P;
        T acc = 0;
        for (int64_t l = 0; l < L; ++l) {
            const int64_t H = shapes[2 * l], W = shapes[2 * l + 1];
            const T* base = value + ((n * S + starts[l]) * M + m) * D + d;
            for (int64_t p = 0; p < P; ++p) {
                const int64_t k = l * P + p;
                const T x = loc[2 * k] * T(W) - T(0.5), y = loc[2 * k + 1] * T(H) - T(0.5);
                if (!(y > T(-1) && x > T(-1) && y < T(H) && x < T(W))) continue;
                const int64_t y0 = int64_t(floor(y)), x0 = int64_t(floor(x));
                const T fy = y - T(y0), fx = x - T(x0), a = w[k];
                T sample = 0;
                if (y0 >= 0 && x0 >= 0) sample += (1 - fy) * (1 - fx) * base[(y0 * W + x0) * M * D];
                if (y0 >= 0 && x0 + 1 < W) sample += (1 - fy) * fx * base[(y0 * W + x0 + 1) * M * D];
                if (y0 + 1 < H && x0 >= 0) sample += fy * (1 - fx) * base[((y0 + 1) * W + x0) * M * D];
                if (y0 + 1 < H && x0 + 1 < W) sample += fy * fx * base[((y0 + 1) * W + x0 + 1) * M * D];
                acc += a * sample;
            }
        }
        out[index] = acc;
    }
}

}  // namespace

at::Tensor ms_deform_attn_cuda_forward(const at::Tensor& value_in, const at::Tensor& spatial_shapes, const at::Tensor& level_start_index,
                                       const at::Tensor& sampling_locations, const at::Tensor& attention_weights) {
    TORCH_CHECK(value_in.is_cuda(), "ms_deform_attn_cuda needs CUDA tensors");
    const c10::cuda::CUDAGuard guard(value_in.device());
    const auto value = value_in.contiguous();
    const auto locations = sampling_locations.to(value.scalar_type()).contiguous();
    const auto weights = attention_weights.to(value.scalar_type()).contiguous();
    const auto shapes = spatial_shapes.to(value.device(), at::kLong).contiguous();
    const auto starts = level_start_index.to(value.device(), at::kLong).contiguous();
    const int64_t N = value.size(0), S = value.size(1), M = value.size(2), D = value.size(3);
    const int64_t Lq = locations.size(1), L = locations.size(3), P = locations.size(4);
    auto out = at::empty({N, Lq, M * D}, value.options());
    const int64_t total = N * Lq * M * D;
    if (total == 0) return out;
    const int threads = 256;
    const int blocks = int(std::min<int64_t>((total + threads - 1) / threads, 65535 * 8));
    AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ms_deform_attn_cuda", [&] {
        msda_forward_kernel<scalar_t><<<blocks, threads, 0, at::cuda::getCurrentCUDAStream()>>>(
            value.data_ptr<scalar_t>(), shapes.data_ptr<int64_t>(), starts.data_ptr<int64_t>(), locations.data_ptr<scalar_t>(),
            weights.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), N, S, M, D, Lq, L, P);
    });
    AT_CUDA_CHECK(cudaGetLastError());
    return out;
}

}  // namespace r2::nn
