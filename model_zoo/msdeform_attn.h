// Multi-scale deformable attention (Deformable DETR's MSDeformAttn), the core of the
// ReferFormer / R2-VOS encoder and decoder.
//
// Shapes (N batch, S = Σ H_l·W_l flattened pixels of L levels, M heads, D = C / M channels per
// head, Lq queries, P points):
//   value               (N, S, M, D)
//   spatial_shapes      (L, 2) int64, (H_l, W_l)
//   level_start_index   (L) int64, offset of each level in S
//   sampling_locations  (N, Lq, M, L, P, 2) in [0, 1], (x, y), (0, 0) the top-left corner
//   attention_weights   (N, Lq, M, L, P), softmax-normalised over L·P
//   → output            (N, Lq, M·D)
// Bilinear sampling with zero padding and align_corners = False, as torch's grid_sample.
#pragma once
#include <torch/torch.h>

namespace r2::nn {

// Three implementations with the same results (to ~1e-6):
// grid_sample per level, as Deformable DETR's ms_deform_attn_core_pytorch (the reference);
torch::Tensor ms_deform_attn_reference(const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                                       const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                                       const torch::Tensor& attention_weights);
// direct bilinear gathers, parallel over queries with at::parallel_for, no large intermediates;
torch::Tensor ms_deform_attn_cpu(const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                                 const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                                 const torch::Tensor& attention_weights);
// its backward: the gradients of value, sampling_locations and attention_weights for the output's
// gradient grad_output (N, Lq, M·D). ms_deform_attn(…, MSDAKernel::fast) uses it through autograd
// when an input requires a gradient (training), so the fast kernel trains as the reference does;
std::vector<torch::Tensor> ms_deform_attn_cpu_backward(const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                                                       const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                                                       const torch::Tensor& attention_weights, const torch::Tensor& grad_output);
// the CUDA kernel (built with -DR2BENCH_CUDA=ON; throws otherwise).
torch::Tensor ms_deform_attn_cuda(const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                                  const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                                  const torch::Tensor& attention_weights);
bool ms_deform_attn_cuda_built();
// The fast CPU kernel uses its AVX2 + FMA build where the processor has them; tests switch it
// off to check the baseline build too.
void set_msda_avx2_allowed(bool allowed);

enum class MSDAKernel { reference, fast };

// Picks the CUDA kernel for CUDA tensors, else the reference or the fast CPU kernel.
torch::Tensor ms_deform_attn(const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                             const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                             const torch::Tensor& attention_weights, MSDAKernel kernel = MSDAKernel::fast);

// The module; parameter names equal the official ones (sampling_offsets, attention_weights,
// value_proj, output_proj), so converted checkpoints load unchanged.
struct MSDeformAttnImpl : torch::nn::Module {
    MSDeformAttnImpl(int64_t d_model = 256, int64_t n_levels = 4, int64_t n_heads = 8, int64_t n_points = 4);

    // query (N, Lq, C); reference_points (N, Lq, L, 2) points or (N, Lq, L, 4) boxes (cx, cy, w, h);
    // input_flatten (N, S, C); padding_mask (N, S) true where padded (optional) → (N, Lq, C).
    torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& reference_points, const torch::Tensor& input_flatten,
                          const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                          const torch::Tensor& padding_mask = {});

    int64_t d_model, n_levels, n_heads, n_points;
    MSDAKernel kernel = MSDAKernel::fast;
    torch::nn::Linear sampling_offsets{nullptr}, attention_weights{nullptr}, value_proj{nullptr}, output_proj{nullptr};
};
TORCH_MODULE(MSDeformAttn);

}  // namespace r2::nn
