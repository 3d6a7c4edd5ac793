// The CUDA kernel's entry point, declared with ATen only so nvcc need not parse torch/torch.h.
// Shapes as in msdeform_attn.h; all tensors on one CUDA device.
#pragma once
#include <ATen/ATen.h>

namespace r2::nn {

at::Tensor ms_deform_attn_cuda_forward(const at::Tensor& value, const at::Tensor& spatial_shapes, const at::Tensor& level_start_index,
                                       const at::Tensor& sampling_locations, const at::Tensor& attention_weights);

}  // namespace r2::nn
