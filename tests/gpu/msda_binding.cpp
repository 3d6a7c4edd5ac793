// Python binding of r2bench's MSDA CUDA kernel, for tests/gpu/check_msda_cuda.py only.
#include <torch/extension.h>

#include "model_zoo/msdeform_attn_cuda.h"

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("forward", &r2::nn::ms_deform_attn_cuda_forward, "MSDA forward (CUDA)"); }
